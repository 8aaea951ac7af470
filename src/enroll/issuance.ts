// Sign, then record: the certificate is built in the Worker (CPU stays out of the Durable Object)
// and only a committed certificate is returned. Shared by enrollment and admin approval.
import { CaExpiredError, issueCertificate, type IssuedCertificate } from "../ca/issue";
import type { ParsedCsr } from "../ca/csr";
import { randomSerial } from "../ca/serial";
import { generalNamesText } from "../ca/san-text";
import type { Config } from "../config";
import type { CertificateInput, RecordOutcome, TransactionInput } from "../ledger/types";
import { fail } from "./errors";
import type { LedgerPort, Runtime } from "./ports";

export interface Issued {
  kind: "issued";
  der: Uint8Array;
  serial: string;
  /** false when the ledger already held a certificate for this request (an idempotent retry). */
  fresh: boolean;
  /** false while the ledger holds it as not yet deliverable (Intune has not acknowledged). */
  confirmed: boolean;
}

const MAX_SERIAL_ATTEMPTS = 3;

export function signFor(csr: ParsedCsr, config: Config, runtime: Runtime, now: Date): CertificateInput {
  let issued: IssuedCertificate;
  try {
    issued = issueCertificate({
      csr,
      ca: config.ca,
      serial: randomSerial(runtime.randomBytes),
      now,
      validityDays: config.validityDays,
      backdateSeconds: config.backdateSeconds,
      crlUrl: config.crlUrl,
      caIssuersUrl: config.caIssuersUrl,
    });
  } catch (e) {
    if (e instanceof CaExpiredError) throw fail.badRequest("the CA cannot issue: its certificate has expired", e.message);
    throw e;
  }
  return {
    serial: issued.serialHex,
    subject: issued.subjectText,
    sans: generalNamesText(csr.subjectAltNameDer),
    notBefore: issued.notBefore.getTime(),
    notAfter: issued.notAfter.getTime(),
    sha1: issued.sha1Hex,
    sha256: issued.sha256Hex,
    der: issued.der,
  };
}

export async function issueAndRecord(
  tx: TransactionInput,
  csr: ParsedCsr,
  config: Config,
  ledger: LedgerPort,
  runtime: Runtime,
  options: { delivered: boolean } = { delivered: true },
): Promise<Issued | { kind: "pending" }> {
  const now = runtime.now();
  for (let attempt = 0; attempt < MAX_SERIAL_ATTEMPTS; attempt++) {
    const cert = { ...signFor(csr, config, runtime, now), delivered: options.delivered };
    const outcome = await ledger.recordIssuance(tx, cert, now.getTime());
    switch (outcome.kind) {
      case "recorded":
        runtime.log("issued", { transactionId: tx.transactionId, serial: cert.serial, subject: cert.subject, challengeKind: tx.challengeKind });
        return { kind: "issued", der: cert.der, serial: cert.serial, fresh: true, confirmed: options.delivered };
      case "serial-taken":
        runtime.log("serial-collision", { serial: cert.serial });
        continue;
      default:
        return answerForRecorded(outcome, tx, runtime);
    }
  }
  throw fail.badRequest("could not allocate a unique serial number", "serial collisions exhausted");
}

type EarlierOutcome = Exclude<RecordOutcome, { kind: "recorded" | "serial-taken" }>;

/** What a request gets when the ledger already holds its transaction (or refuses it). */
export function answerForRecorded(outcome: EarlierOutcome, tx: TransactionInput, runtime: Runtime): Issued | { kind: "pending" } {
  switch (outcome.kind) {
    case "existing":
      runtime.log("retry-served", { transactionId: tx.transactionId, serial: outcome.serial });
      return { kind: "issued", der: outcome.der, serial: outcome.serial, fresh: false, confirmed: true };
    case "unconfirmed":
      return { kind: "issued", der: outcome.der, serial: outcome.serial, fresh: false, confirmed: false };
    case "pending":
      return { kind: "pending" };
    case "conflict":
      throw fail.badRequest("transactionID already used for a different request", `transaction ${tx.transactionId} conflict`);
    case "rejected":
      throw fail.badRequest("the request was refused earlier", outcome.note);
    case "challenge-refused":
      throw fail.badRequest("challenge password missing or not accepted", `one-time challenge ${outcome.reason}`);
    default:
      throw new Error(`unhandled ledger outcome ${(outcome satisfies never as { kind: string }).kind}`);
  }
}
