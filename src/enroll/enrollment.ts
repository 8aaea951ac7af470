// PKCSReq (19) and RenewalReq (17): CSR checks, authentication (challenge or renewal signer),
// issuance, and the ledger record that must commit before the certificate may leave.
import { createHash } from "node:crypto";
import { CsrError, checkKeyPolicy, parseCsr, verifyCsrSignature, type ParsedCsr } from "../ca/csr";
import { issueCertificate } from "../ca/issue";
import { randomSerial } from "../ca/serial";
import { staticChallengeMatches } from "../challenge/static";
import type { Config } from "../config";
import type { PkiMessage } from "../scep/pki-message";
import { bytesEqual, bytesToHex } from "../util/bytes";
import { fail } from "./errors";
import type { LedgerPort, Runtime } from "./ports";
import { renewalSigner } from "./renewal";

export interface Issued {
  der: Uint8Array;
  serial: string;
  /** false when the ledger already held a certificate for this request (an idempotent retry). */
  fresh: boolean;
}

const MAX_SERIAL_ATTEMPTS = 3;

export async function enroll(
  message: PkiMessage,
  csrDer: Uint8Array,
  config: Config,
  ledger: LedgerPort,
  runtime: Runtime,
): Promise<Issued> {
  const csr = checkedCsr(csrDer);
  const now = runtime.now();
  const renewal = renewalSigner(message.signerCert, config.ca, now);
  let challengeKind: string;
  if (renewal) {
    // The old certificate vouches only for its own name: a renewal may not change the subject.
    if (!bytesEqual(renewal.subjectDer, csr.subjectDer)) {
      throw fail.badRequest("renewal must keep the subject of the signing certificate", `renewal subject ${csr.subjectText}`);
    }
    challengeKind = "renewal";
  } else {
    challengeKind = authenticateByChallenge(csr, config);
  }

  const csrSha256 = bytesToHex(new Uint8Array(createHash("sha256").update(csr.der).digest()));
  const signerSha256 = bytesToHex(new Uint8Array(createHash("sha256").update(message.signerCertDer).digest()));
  for (let attempt = 0; attempt < MAX_SERIAL_ATTEMPTS; attempt++) {
    const issued = issueCertificate({
      csr,
      ca: config.ca,
      serial: randomSerial(runtime.randomBytes),
      now,
      validityDays: config.validityDays,
      backdateSeconds: config.backdateSeconds,
    });
    const outcome = await ledger.recordIssuance({
      serial: issued.serialHex,
      transactionId: message.transactionId,
      requestKey: renewal ? renewal.serial : "",
      csrSha256,
      signerSha256,
      subject: issued.subjectText,
      notBefore: issued.notBefore.getTime(),
      notAfter: issued.notAfter.getTime(),
      sha1: issued.sha1Hex,
      sha256: issued.sha256Hex,
      der: issued.der,
      messageType: message.messageType,
      challengeKind,
      createdAt: now.getTime(),
    });
    switch (outcome.kind) {
      case "recorded":
        runtime.log("issued", { transactionId: message.transactionId, serial: issued.serialHex, subject: issued.subjectText, challengeKind });
        return { der: issued.der, serial: issued.serialHex, fresh: true };
      case "existing":
        runtime.log("retry-served", { transactionId: message.transactionId, serial: outcome.serial });
        return { der: outcome.der, serial: outcome.serial, fresh: false };
      case "conflict":
        throw fail.badRequest("transactionID already used for a different request", `transaction ${message.transactionId} conflict`);
      case "serial-taken":
        continue;
    }
  }
  throw fail.badRequest("could not allocate a unique serial number", "serial collisions exhausted");
}

function checkedCsr(der: Uint8Array): ParsedCsr {
  let csr: ParsedCsr;
  try {
    csr = parseCsr(der);
  } catch (e) {
    if (e instanceof CsrError) throw fail.badRequest("the certificate request could not be parsed", e.reason);
    throw e;
  }
  if (!verifyCsrSignature(csr)) throw fail.badMessageCheck("the certificate request signature does not verify");
  const refusal = checkKeyPolicy(csr.key);
  if (refusal) throw fail.badRequest(`key refused: ${refusal}`);
  return csr;
}

/** Tries the configured challenge modes in order (CHALLENGE_MODE is a comma list). */
function authenticateByChallenge(csr: ParsedCsr, config: Config): string {
  for (const mode of config.challengeModes) {
    if (mode === "static" && config.staticChallenge && staticChallengeMatches(config.staticChallenge, csr.challengePassword)) {
      return "static";
    }
  }
  const detail = csr.challengePassword === undefined ? "no challengePassword in CSR" : "challengePassword rejected";
  throw fail.badRequest("challenge password missing or not accepted", detail);
}
