// What the enrollment pipeline needs from the outside world, as interfaces: the Worker wires in
// the Durable Object and the runtime's clock and randomness; tests can wire in anything.
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
  latestTransaction(transactionId: string): Promise<TransactionView | undefined>;
  certificateDer(serial: string): Promise<{ der: Uint8Array; status: string; delivered: boolean } | undefined>;
  markUndelivered(serial: string, revokeReason: number | undefined, now: number): Promise<void>;
  pendingRequest(transactionId: string, requestKey: string): Promise<PendingRequest | undefined>;
  completeApproval(transactionId: string, requestKey: string, cert: CertificateInput, now: number): Promise<ApprovalOutcome>;
}

export interface Runtime {
  now(): Date;
  randomBytes(n: number): Uint8Array;
  log(event: string, fields: Record<string, unknown>): void;
}
