// Approving a pending request: the Worker signs the certificate (CPU outside the Durable Object)
// and the ledger moves the transaction from pending to issued in one step, re-checking a renewal's
// signing certificate in that same step.
import { parseCsr } from "../ca/csr";
import type { ProfileKind } from "../ca/profiles";
import type { Config } from "../config";
import { open } from "../crypto/seal";
import { refusalText } from "../enroll/authorization";
import { confirmWithIntune, PENDING_CSR_LABEL } from "../enroll/intune-enrollment";
import { issueRequestFor } from "../enroll/issue-request";
import { recordWithFreshSerial, settleRenewalElsewhere } from "../enroll/issuance";
import type { EnrollDeps } from "../enroll/ports";
import type { PendingRequest, TransactionInput } from "../ledger/types";

export type ApproveResult =
  | { kind: "issued"; serial: string }
  | { kind: "withheld"; serial: string }
  | { kind: "not-pending" }
  | { kind: "refused"; reason: string };

export async function approvePending(transactionId: string, requestKey: string, config: Config, deps: EnrollDeps): Promise<ApproveResult> {
  const { ledger, runtime } = deps;
  const pending = await ledger.pendingRequest(transactionId, requestKey);
  if (!pending) return { kind: "not-pending" };
  // The stored CSR was verified on arrival and has since lost its challengePassword (no challenge
  // at rest), so its signature is not checked again; its names pass today's name policy again.
  const csr = parseCsr(pending.csrDer);
  const viaIntune = pending.challengeKind === "intune" && deps.intune !== undefined;
  const request = issueRequestFor(csr, config, {
    kind: pending.lineage as ProfileKind,
    intuneValidated: pending.challengeKind === "intune",
    keepProfile: pending.profile,
  });
  // Intune requests stay undeliverable until Intune acknowledges the issuance.
  const renewal = { policy: config.renewal.policy, supersede: config.renewal.supersede };
  const { cert, outcome } = await recordWithFreshSerial(request, config, deps, !viaIntune, (c, now) =>
    ledger.completeApproval(transactionId, requestKey, c, now.getTime(), renewal),
  );
  if (outcome.kind === "not-pending") return { kind: "not-pending" };
  if (outcome.kind === "renewal-refused") return { kind: "refused", reason: refusalText({ ok: false, reason: outcome.reason }, config) };
  runtime.log("approved", { transactionId, serial: cert.serial, subject: cert.subject });
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
