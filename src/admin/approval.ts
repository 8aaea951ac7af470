// Approving a pending request: the Worker signs the certificate (CPU outside the Durable Object)
// and the ledger moves the transaction from pending to issued in one step.
import { parseCsr } from "../ca/csr";
import type { Config } from "../config";
import { signFor } from "../enroll/issuance";
import type { EnrollDeps } from "../enroll/ports";
import { confirmWithIntune } from "../enroll/intune-enrollment";

export type ApproveResult = { kind: "issued"; serial: string } | { kind: "withheld"; serial: string } | { kind: "not-pending" };

export async function approvePending(
  transactionId: string,
  requestKey: string,
  config: Config,
  deps: EnrollDeps,
): Promise<ApproveResult> {
  const { ledger, runtime } = deps;
  const pending = await ledger.pendingRequest(transactionId, requestKey);
  if (!pending) return { kind: "not-pending" };
  const csr = parseCsr(pending.csrDer); // verified when the request arrived
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = runtime.now();
    // Intune requests stay undeliverable until Intune acknowledges the issuance.
    const viaIntune = pending.challengeKind === "intune" && deps.intune !== undefined;
    const cert = { ...signFor(csr, config, runtime, now), delivered: !viaIntune };
    const outcome = await ledger.completeApproval(transactionId, requestKey, cert, now.getTime());
    if (outcome.kind === "recorded") {
      runtime.log("approved", { transactionId, serial: cert.serial, subject: cert.subject });
      if (viaIntune && deps.intune) {
        // Intune validated the challenge when the request arrived; it must hear of the issuance.
        try {
          await confirmWithIntune({ transactionId }, csr, cert, config, deps, deps.intune);
        } catch {
          return { kind: "withheld", serial: cert.serial };
        }
      }
      return { kind: "issued", serial: cert.serial };
    }
    if (outcome.kind === "not-pending") return { kind: "not-pending" };
  }
  throw new Error("could not allocate a unique serial number");
}
