// Enrollment authorised by Intune (docs/intune-validation-api.md): validate, issue, record,
// successNotification, and only then deliver. The certificate is recorded as not deliverable and
// confirmed only after Intune acknowledges, so a Worker stopped in between never hands out a
// certificate Intune did not accept. A retry of a served request never reaches Intune again; a
// notification that got a 2xx is not repeated once its confirmation is recorded. Whatever fails
// after Intune validated the request is reported to it (failureNotification, intune-outcome.ts).
import type { ParsedCsr } from "../ca/csr";
import type { Config } from "../config";
import { seal } from "../crypto/seal";
import type { TransactionInput } from "../ledger/types";
import { parseCertView } from "../x509/cert-view";
import { nameDerToText } from "../x509/name";
import { refuse, type EnrollmentFailure } from "./errors";
import { failureCause, failureDescription, PENDING_CSR_LABEL, tellIntuneOfFailure } from "./intune-outcome";
import type { IssueRequest } from "./issue-request";
import { answerForRecorded, awaitApproval, issueAndRecord, settleRenewalElsewhere, WITHHELD_REASON, type EnrollmentResult } from "./issuance";
import type { EnrollDeps, IntunePort } from "./ports";

export async function enrollWithIntune(
  tx: TransactionInput,
  csr: ParsedCsr,
  request: IssueRequest,
  config: Config,
  deps: EnrollDeps,
  intune: IntunePort,
): Promise<EnrollmentResult> {
  const { ledger, runtime } = deps;
  const earlier = await ledger.lookupRequest(tx);
  if (earlier) {
    const answer = answerForRecorded(earlier, tx, config, runtime);
    // Issued earlier, but the Worker stopped before Intune's acknowledgement was recorded.
    if (answer.kind === "issued" && !answer.confirmed) await confirmWithIntune(tx, csr.der, answer, config, deps, intune);
    return answer.kind === "issued" ? { ...answer, confirmed: true } : answer;
  }

  // Every garbage challenge would otherwise cost an outbound call and Microsoft's quota.
  const bound = await deps.guard?.intuneValidation();
  if (bound) throw refuse({ kind: "intune-bound", scope: bound });
  const verdict = await intune.validateRequest(tx.transactionId, csr.der);
  if (!verdict.ok) {
    // No failureNotification after a rejected validate (ref-scep-api.md).
    throw refuse({ kind: "intune-not-validated", code: verdict.code });
  }

  let issued: EnrollmentResult;
  try {
    issued = config.manualApproval.has("intune")
      ? // The approval must tell Intune about the issuance with the CSR Intune validated; it is kept
        // sealed, since it carries the Intune challenge (no challenge at rest).
        await awaitApproval({ ...tx, sealedCsr: seal(config.ca.caKey, PENDING_CSR_LABEL, csr.der, runtime.randomBytes) }, config, deps)
      : await issueAndRecord(tx, request, config, deps, { delivered: false });
  } catch (e) {
    // Intune validated this challenge; tell it why no certificate follows (hResult shown to admins).
    const cause = failureCause(e);
    if (cause)
      await tellIntuneOfFailure(intune, { transactionId: tx.transactionId, csrDer: csr.der, cause, description: failureDescription(e) }, deps);
    throw e;
  }
  if (issued.kind !== "issued" || issued.confirmed) return issued;
  await confirmWithIntune(tx, csr.der, issued, config, deps, intune);
  return { ...issued, confirmed: true };
}

/**
 * A request the CA refuses before issuing (its names, key or requested usages against the profile):
 * Intune validates it first, so that a request with a challenge Intune does not own is answered with
 * Intune's reason, and a request it validated is reported with the CA's (failureNotification, whose
 * errorDescription the Intune console shows). Throws the refusal to send the device.
 */
export async function refuseValidated(
  transactionId: string,
  csr: ParsedCsr,
  refusal: EnrollmentFailure,
  deps: EnrollDeps,
  intune: IntunePort,
): Promise<never> {
  const verdict = await intune.validateRequest(transactionId, csr.der);
  if (!verdict.ok) throw refuse({ kind: "intune-not-validated", code: verdict.code });
  const cause = failureCause(refusal);
  if (cause) await tellIntuneOfFailure(intune, { transactionId, csrDer: csr.der, cause, description: failureDescription(refusal) }, deps);
  throw refusal;
}

/**
 * successNotification, then the ledger's confirmation; only a confirmed certificate is delivered.
 * Shared with admin approval. A refusal withholds and revokes the certificate (it shows on the CRL).
 */
export async function confirmWithIntune(
  tx: TransactionInput | { transactionId: string; renewalOf?: undefined },
  csrDer: Uint8Array,
  issued: { der: Uint8Array; serial: string },
  config: Config,
  deps: EnrollDeps,
  intune: IntunePort,
): Promise<void> {
  const ack = await intune.successNotification({
    transactionId: tx.transactionId,
    csrDer,
    certDer: issued.der,
    serialHex: issued.serial,
    notAfter: parseCertView(issued.der).notAfter,
    issuerName: nameDerToText(config.ca.caSubjectDer),
  });
  const now = deps.runtime.now().getTime();
  if (!ack.ok) {
    await deps.ledger.markUndelivered(issued.serial, WITHHELD_REASON, now);
    deps.runtime.log("withheld", { transactionId: tx.transactionId, serial: issued.serial, code: ack.code });
    throw refuse({ kind: "intune-notification-refused", code: ack.code });
  }
  if (!(await deps.ledger.confirmDelivery(issued.serial, now)))
    throw refuse({ kind: "withheld", detail: `serial ${issued.serial} was revoked before delivery` });
  if ("csrSha256" in tx) await settleRenewalElsewhere(tx, issued.serial, config, deps);
}
