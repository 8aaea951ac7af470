// Approving a pending request: the Worker signs the certificate (CPU outside the Durable Object)
// and the ledger moves the transaction from pending to issued in one step, re-checking a renewal's
// signing certificate in that same step. An Intune request that cannot be issued at approval
// (names or key refused by today's policy, the CA expired, the ledger unreachable) is rejected
// and Intune told why, so its outcome is final on both sides.
import { parseCsr } from "../ca/csr";
import type { ProfileKind } from "../ca/profiles";
import type { Config } from "../config";
import { open } from "../crypto/seal";
import { refusalText } from "../enroll/authorization";
import { EnrollmentFailure } from "../enroll/errors";
import { confirmWithIntune } from "../enroll/intune-enrollment";
import { failureCause, failureDescription, PENDING_CSR_LABEL, rejectPendingRequest } from "../enroll/intune-outcome";
import { issueRequestFor } from "../enroll/issue-request";
import { recordWithFreshSerial, settleRenewalElsewhere } from "../enroll/issuance";
import type { EnrollDeps } from "../enroll/ports";
import type { CertificateInput, PendingRequest, TransactionInput } from "../ledger/types";

export type ApproveResult =
  | { kind: "issued"; serial: string }
  | { kind: "withheld"; serial: string }
  | { kind: "not-pending" }
  /** `rejected`: the request is no longer pending (an Intune request, and Intune was told). */
  | { kind: "refused"; reason: string; rejected?: boolean };

export async function approvePending(transactionId: string, requestKey: string, config: Config, deps: EnrollDeps): Promise<ApproveResult> {
  const pending = await deps.ledger.pendingRequest(transactionId, requestKey);
  if (!pending) return { kind: "not-pending" };
  const viaIntune = pending.challengeKind === "intune" && deps.intune !== undefined;
  let recorded: { cert: CertificateInput } | ApproveResult;
  try {
    recorded = await record(pending, config, deps, viaIntune);
  } catch (e) {
    if (!viaIntune) throw e;
    const description = failureDescription(e);
    // The request ends here, so Intune hears of it whatever the cause (E_UNEXPECTED when unknown).
    const reason = { note: `approval failed: ${description}`, cause: failureCause(e) ?? "internal", description };
    // Best effort when the ledger itself failed: the original error is the one to report.
    const rejected = await rejectPendingRequest(transactionId, requestKey, reason, config, deps).catch(() => false);
    if (!(e instanceof EnrollmentFailure)) throw e;
    return rejected
      ? { kind: "refused", reason: `${e.publicText}; the request is rejected and Intune was told`, rejected: true }
      : { kind: "not-pending" };
  }
  if (!("cert" in recorded)) return recorded;
  const { cert } = recorded;
  try {
    if (viaIntune && deps.intune) {
      // Intune validated the challenge when the request arrived; it must hear of the issuance,
      // with the CSR it validated (kept sealed while the request waited).
      const original = pending.sealedCsr ? open(config.ca.caKey, PENDING_CSR_LABEL, pending.sealedCsr) : undefined;
      await confirmWithIntune({ transactionId }, original ?? pending.csrDer, cert, config, deps, deps.intune);
    } else {
      await settleRenewalElsewhere(renewalTransaction(pending, config), cert.serial, config, deps);
    }
  } catch {
    return { kind: "withheld", serial: cert.serial };
  }
  return { kind: "issued", serial: cert.serial };
}

/** Sign under today's policy and record: the steps whose failure Intune must hear of. */
async function record(
  pending: PendingRequest,
  config: Config,
  deps: EnrollDeps,
  viaIntune: boolean,
): Promise<{ cert: CertificateInput } | ApproveResult> {
  const { transactionId, requestKey } = pending;
  // The stored CSR was verified on arrival and has since lost its challengePassword (no challenge
  // at rest), so its signature is not checked again; its names pass today's name policy again.
  const csr = parseCsr(pending.csrDer);
  const request = issueRequestFor(csr, config, {
    kind: pending.lineage as ProfileKind,
    intuneValidated: pending.challengeKind === "intune",
    keepProfile: pending.profile,
  });
  // Intune requests stay undeliverable until Intune acknowledges the issuance.
  const renewal = { policy: config.renewal.policy, supersede: config.renewal.supersede };
  const { cert, outcome } = await recordWithFreshSerial(request, config, deps, !viaIntune, (c, now) =>
    deps.ledger.completeApproval(transactionId, requestKey, c, now.getTime(), renewal),
  );
  if (outcome.kind === "not-pending") return { kind: "not-pending" };
  if (outcome.kind === "renewal-refused") return { kind: "refused", reason: refusalText({ ok: false, reason: outcome.reason }, config) };
  deps.runtime.log("approved", { transactionId, serial: cert.serial, subject: cert.subject });
  return { cert };
}

/** What settleRenewalElsewhere needs of a pending renewal signed by a retired CA's certificate. */
function renewalTransaction(pending: PendingRequest, config: Config): TransactionInput {
  const [caKeyId, serial] = pending.renewedFrom?.includes(":") ? pending.renewedFrom.split(":") : [];
  return {
    transactionId: pending.transactionId,
    requestKey: pending.requestKey,
    csrSha256: "",
    csrDer: pending.csrDer,
    signerSha256: pending.signerSha256,
    subject: pending.subject,
    messageType: 0,
    challengeKind: pending.challengeKind as TransactionInput["challengeKind"],
    lineage: pending.lineage as TransactionInput["lineage"],
    profile: pending.profile,
    sans: "",
    renewalOf:
      caKeyId && serial
        ? {
            serial,
            sha256: pending.signerSha256.toUpperCase(),
            caKeyId,
            authorises: pending.challengeKind === "renewal",
            policy: config.renewal.policy,
            supersede: config.renewal.supersede,
          }
        : undefined,
  };
}
