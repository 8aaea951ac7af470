// PKCSReq (19) and RenewalReq (17): CSR checks, authentication (a challenge or a renewal signer),
// optional manual approval, issuance, and the ledger record that commits before delivery.
import { createHash } from "node:crypto";
import { CsrError, checkKeyPolicy, parseCsr, verifyCsrSignature, type ParsedCsr } from "../ca/csr";
import { routeChallenge } from "../challenge/select";
import type { Config } from "../config";
import type { ChallengeKind, TransactionInput } from "../ledger/types";
import type { PkiMessage } from "../scep/pki-message";
import { bytesEqual, bytesToHex } from "../util/bytes";
import { fail } from "./errors";
import { answerForRecorded, issueAndRecord, type Issued } from "./issuance";
import type { EnrollDeps } from "./ports";
import { enrollWithIntune } from "./intune-enrollment";
import { renewalSigner } from "./renewal";

export type EnrollmentResult = Issued | { kind: "pending" };

export async function enroll(message: PkiMessage, csrDer: Uint8Array, config: Config, deps: EnrollDeps): Promise<EnrollmentResult> {
  const { ledger, runtime } = deps;
  const csr = checkedCsr(csrDer);
  const now = runtime.now();
  const renewal = renewalSigner(message.signer, config.ca, now);
  const tx: TransactionInput = {
    transactionId: message.transactionId,
    requestKey: renewal ? renewal.serial : "",
    csrSha256: sha256Hex(csr.der),
    csrDer: csr.der,
    signerSha256: sha256Hex(message.signerCertDer),
    subject: csr.subjectText,
    messageType: message.messageType,
    challengeKind: "static",
  };
  if (renewal) {
    // The old certificate vouches only for its own name: a renewal may not change the subject.
    if (!bytesEqual(renewal.subjectDer, csr.subjectDer)) {
      throw fail.badRequest("renewal must keep the subject of the signing certificate", `renewal subject ${csr.subjectText}`);
    }
    tx.challengeKind = "renewal";
  } else {
    const route = routeChallenge(csr.challengePassword, config.challengeModes, config.staticChallenge);
    if (route.kind === "refused") throw fail.badRequest("challenge password missing or not accepted", route.detail);
    if (route.kind === "intune") {
      if (!deps.intune) throw new Error("CHALLENGE_MODE includes intune but no Intune client is wired");
      return enrollWithIntune({ ...tx, challengeKind: "intune" }, csr, config, deps, deps.intune);
    }
    tx.challengeKind = route.kind as ChallengeKind;
    if (route.kind === "one-time") tx.oneTimeChallengeSha256 = route.sha256;
  }

  let issued: Issued | { kind: "pending" };
  if (config.manualApproval.has(tx.challengeKind)) {
    const outcome = await ledger.recordPending(tx, now.getTime());
    if (outcome.kind === "pending") runtime.log("pending", { transactionId: tx.transactionId, subject: tx.subject, challengeKind: tx.challengeKind });
    issued = answerForRecorded(outcome, tx, runtime);
  } else {
    issued = await issueAndRecord(tx, csr, config, ledger, runtime);
  }
  // Only Intune issuances are recorded unconfirmed; anything else here is withheld.
  if (issued.kind === "issued" && !issued.confirmed) throw fail.badRequest("the certificate is withheld", `transaction ${tx.transactionId} unconfirmed`);
  return issued;
}

function sha256Hex(data: Uint8Array): string {
  return bytesToHex(new Uint8Array(createHash("sha256").update(data).digest()));
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
