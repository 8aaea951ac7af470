// Enrollment authorised by Intune (docs/intune-validation-api.md): validate, issue, record,
// successNotification, and only then deliver. The certificate is recorded as not deliverable and
// confirmed only after Intune acknowledges, so a Worker stopped in between never hands out a
// certificate Intune did not accept. A retry of a served request never reaches Intune again; a
// notification that got a 2xx is not repeated once its confirmation is recorded.
import type { ParsedCsr } from "../ca/csr";
import { nameToText } from "../ca/dn";
import type { Config } from "../config";
import { E_UNEXPECTED } from "../intune";
import type { TransactionInput } from "../ledger/types";
import { parseCertView } from "../x509/cert-view";
import { EnrollmentFailure, fail } from "./errors";
import { answerForRecorded, issueAndRecord, type Issued } from "./issuance";
import type { EnrollDeps, IntunePort } from "./ports";

/** RFC 5280 §5.3.1 cessationOfOperation: the certificate was never put into service. */
const WITHHELD_REASON = 5;

export async function enrollWithIntune(
  tx: TransactionInput,
  csr: ParsedCsr,
  config: Config,
  deps: EnrollDeps,
  intune: IntunePort,
): Promise<Issued | { kind: "pending" }> {
  const { ledger, runtime } = deps;
  const earlier = await ledger.lookupRequest(tx);
  if (earlier) {
    const answer = answerForRecorded(earlier, tx, runtime);
    // Issued earlier, but the Worker stopped before Intune's acknowledgement was recorded.
    if (answer.kind === "issued" && !answer.confirmed) await confirmWithIntune(tx, csr, answer, config, deps, intune);
    return answer.kind === "issued" ? { ...answer, confirmed: true } : answer;
  }

  const verdict = await intune.validateRequest(tx.transactionId, csr.der);
  if (!verdict.ok) {
    // No failureNotification after a rejected validate (ref-scep-api.md).
    throw fail.badRequest(`Intune did not validate the request: ${verdict.code}`, `intune validate ${verdict.code}`);
  }

  if (config.manualApproval.has("intune")) {
    const answer = answerForRecorded(await ledger.recordPending(tx, runtime.now().getTime()), tx, runtime);
    if (answer.kind === "issued" && !answer.confirmed) throw fail.badRequest("the certificate is withheld", `transaction ${tx.transactionId} unconfirmed`);
    return answer;
  }

  let issued: Issued | { kind: "pending" };
  try {
    issued = await issueAndRecord(tx, csr, config, ledger, runtime, { delivered: false });
  } catch (e) {
    // Intune validated this challenge; tell it the CA could not issue (hResult shown to admins).
    const description = e instanceof EnrollmentFailure ? e.publicText : "the certificate authority could not issue the certificate";
    await intune.failureNotification({ transactionId: tx.transactionId, csrDer: csr.der, hResult: E_UNEXPECTED, errorDescription: description });
    throw e;
  }
  if (issued.kind !== "issued" || issued.confirmed) return issued;
  await confirmWithIntune(tx, csr, issued, config, deps, intune);
  return { ...issued, confirmed: true };
}

/**
 * successNotification, then the ledger's confirmation; only a confirmed certificate is delivered.
 * Shared with admin approval. A refusal withholds and revokes the certificate (it shows on the CRL).
 */
export async function confirmWithIntune(
  tx: { transactionId: string },
  csr: ParsedCsr,
  issued: { der: Uint8Array; serial: string },
  config: Config,
  deps: EnrollDeps,
  intune: IntunePort,
): Promise<void> {
  const ack = await intune.successNotification({
    transactionId: tx.transactionId,
    csrDer: csr.der,
    certDer: issued.der,
    serialHex: issued.serial,
    notAfter: parseCertView(issued.der).notAfter,
    issuerName: nameToText(config.ca.caSubjectDer),
  });
  if (!ack.ok) {
    await deps.ledger.markUndelivered(issued.serial, WITHHELD_REASON, deps.runtime.now().getTime());
    deps.runtime.log("withheld", { transactionId: tx.transactionId, serial: issued.serial, code: ack.code });
    throw fail.badRequest(`Intune did not accept the issuance notification: ${ack.code}`, `intune successNotification ${ack.code}`);
  }
  if (!(await deps.ledger.confirmDelivery(issued.serial))) {
    throw fail.badRequest("the certificate is withheld", `serial ${issued.serial} was revoked before delivery`);
  }
}
