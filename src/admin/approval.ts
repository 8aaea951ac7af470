// Approving a pending request: the Worker signs the certificate (CPU outside the Durable Object)
// and the ledger moves the transaction from pending to issued in one step.
import { parseCsr } from "../ca/csr";
import type { Config } from "../config";
import { signFor } from "../enroll/issuance";
import type { LedgerPort, Runtime } from "../enroll/ports";

export type ApproveResult = { kind: "issued"; serial: string } | { kind: "not-pending" };

export async function approvePending(
  transactionId: string,
  requestKey: string,
  config: Config,
  ledger: LedgerPort,
  runtime: Runtime,
): Promise<ApproveResult> {
  const pending = await ledger.pendingRequest(transactionId, requestKey);
  if (!pending) return { kind: "not-pending" };
  const csr = parseCsr(pending.csrDer); // verified when the request arrived
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = runtime.now();
    const cert = signFor(csr, config, runtime, now);
    const outcome = await ledger.completeApproval(transactionId, requestKey, cert, now.getTime());
    if (outcome.kind === "recorded") {
      runtime.log("approved", { transactionId, serial: cert.serial, subject: cert.subject });
      return { kind: "issued", serial: cert.serial };
    }
    if (outcome.kind === "not-pending") return { kind: "not-pending" };
  }
  throw new Error("could not allocate a unique serial number");
}
