// What the enrollment pipeline needs from the outside world, as interfaces: the Worker wires in
// the Durable Object and the runtime's clock and randomness; tests can wire in anything.
import type { IntuneClient } from "../intune";
import type { CrlLedgerPort } from "../revocation/crl-service";
import type { ApprovalOutcome, PendingRequest } from "../ledger/issuance-store";
import type {
  CertificateInput,
  PendingOutcome,
  RecordOutcome,
  TransactionInput,
  TransactionView,
} from "../ledger/types";

/** The ledger methods the SCEP path uses (a subset of the Durable Object's RPC surface). */
export interface LedgerPort extends CrlLedgerPort {
  recordIssuance(tx: TransactionInput, cert: CertificateInput, now: number): Promise<RecordOutcome>;
  recordPending(tx: TransactionInput, now: number): Promise<PendingOutcome>;
  lookupRequest(tx: TransactionInput): Promise<Exclude<RecordOutcome, { kind: "recorded" | "serial-taken" | "challenge-refused" }> | undefined>;
  latestTransaction(transactionId: string): Promise<TransactionView | undefined>;
  certificateDer(serial: string): Promise<{ der: Uint8Array; status: string; delivered: boolean } | undefined>;
  markUndelivered(serial: string, revokeReason: number | undefined, now: number): Promise<void>;
  confirmDelivery(serial: string): Promise<boolean>;
  pendingRequest(transactionId: string, requestKey: string): Promise<PendingRequest | undefined>;
  completeApproval(transactionId: string, requestKey: string, cert: CertificateInput, now: number): Promise<ApprovalOutcome>;
}

export interface Runtime {
  now(): Date;
  randomBytes(n: number): Uint8Array;
  log(event: string, fields: Record<string, unknown>): void;
}

/** The Intune SCEP partner API as the pipeline uses it (src/intune/client.ts implements it). */
export type IntunePort = Pick<IntuneClient, "validateRequest" | "successNotification" | "failureNotification">;

/** Everything the pipeline talks to, for one request. */
export interface EnrollDeps {
  ledger: LedgerPort;
  runtime: Runtime;
  /** Present when CHALLENGE_MODE includes intune. */
  intune?: IntunePort;
}
