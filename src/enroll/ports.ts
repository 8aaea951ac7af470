// What the enrollment pipeline needs from the outside world, as interfaces: the Worker wires in
// the Durable Objects and the runtime's clock and randomness; tests can wire in anything.
import type { IssuingCa } from "../ca/ca-set";
import type { IntuneClient } from "../intune";
import type {
  ApprovalOutcome,
  ApprovalRenewalCheck,
  CertificateInput,
  ExistingAnswer,
  IntuneRevocationAnswer,
  IntuneRevocationOutcome,
  IntuneSyncState,
  PendingRequest,
  CrlSnapshot,
  PendingOutcome,
  RecordOutcome,
  RejectedRequest,
  RenewalPolicy,
  RenewalStatus,
  RevokedEntry,
  TransactionInput,
  TransactionView,
  UnsentIntuneRevocation,
} from "../ledger/types";

/** The ledger methods the CRL needs. */
export interface CrlLedgerPort {
  crlSnapshot(): Promise<CrlSnapshot>;
  prepareCrl(now: number): Promise<{ number: number; revision: number; entries: RevokedEntry[] }>;
  storeCrl(der: Uint8Array, number: number, revision: number, thisUpdate: number, nextUpdate: number, caSha256: string): Promise<void>;
}

/** The ledger methods the SCEP path uses (a subset of the Durable Object's RPC surface). */
export interface LedgerPort extends CrlLedgerPort {
  recordIssuance(tx: TransactionInput, cert: CertificateInput, now: number): Promise<RecordOutcome>;
  recordPending(tx: TransactionInput, now: number): Promise<PendingOutcome>;
  lookupRequest(tx: Pick<TransactionInput, "transactionId" | "requestKey" | "csrSha256">): Promise<ExistingAnswer | undefined>;
  renewalStatus(serial: string, sha256: string, now: number, policy: RenewalPolicy): Promise<RenewalStatus>;
  confirmRenewal(serial: string, sha256: string, now: number, policy: RenewalPolicy, supersede: boolean): Promise<RenewalStatus>;
  latestTransaction(transactionId: string): Promise<TransactionView | undefined>;
  certificateDer(serial: string): Promise<{ der: Uint8Array; status: string; delivered: boolean } | undefined>;
  markUndelivered(serial: string, revokeReason: number | undefined, now: number): Promise<void>;
  confirmDelivery(serial: string, now: number): Promise<boolean>;
  revoke(serial: string, reason: number, now: number): Promise<"revoked" | "not-found" | "already-revoked" | "bad-reason">;
  pendingRequest(transactionId: string, requestKey: string): Promise<PendingRequest | undefined>;
  completeApproval(
    transactionId: string,
    requestKey: string,
    cert: CertificateInput,
    now: number,
    renewal?: ApprovalRenewalCheck,
  ): Promise<ApprovalOutcome>;
  rejectPending(transactionId: string, requestKey: string, note: string, now: number): Promise<RejectedRequest | undefined>;
}

/**
 * The ledger methods the Intune revocation sync uses (enroll/intune-sync.ts): every CA's ledger
 * records the requests for its certificates; the current CA's also holds the sync's state.
 */
export interface IntuneSyncLedgerPort {
  handleIntuneRevocation(requestContext: string, serial: string, reason: number, now: number): Promise<IntuneRevocationAnswer>;
  recordIntuneRevocation(requestContext: string, serial: string, outcome: IntuneRevocationOutcome, now: number): Promise<IntuneRevocationOutcome>;
  unsentIntuneRevocations(limit: number): Promise<UnsentIntuneRevocation[]>;
  markIntuneRevocationsSent(requestContexts: string[], now: number): Promise<void>;
  beginIntuneSync(runId: string, now: number, leaseMs: number): Promise<boolean>;
  finishIntuneSync(runId: string, summary: unknown, now: number): Promise<void>;
  intuneSyncState(): Promise<IntuneSyncState | undefined>;
}

export interface Runtime {
  now(): Date;
  randomBytes(n: number): Uint8Array;
  log(event: string, fields: Record<string, unknown>): void;
}

/** The Intune partner-CA API as the pipeline and the admin API use it (src/intune/client.ts implements it). */
export type IntunePort = Pick<
  IntuneClient,
  "validateRequest" | "successNotification" | "failureNotification" | "downloadRevocationRequests" | "uploadRevocationResults"
>;

/** Bounds on the outbound work one request may cause (src/http/abuse-guard.ts). */
export interface RequestGuard {
  /** Asked (and counted) before each Intune validateRequest: the bound reached, or undefined to go ahead. */
  intuneValidation(): Promise<"client" | "all" | undefined>;
}

/** Everything the pipeline talks to, for one request. */
export interface EnrollDeps {
  /** The current CA's ledger: every new certificate is recorded there. */
  ledger: LedgerPort;
  /** The ledger of any CA of the set (a retired CA's, for renewals and lookups). */
  ledgerOf(ca: IssuingCa): LedgerPort;
  runtime: Runtime;
  /** Present when CHALLENGE_MODE includes intune. */
  intune?: IntunePort;
  /** Absent: nothing is bounded (tests, the admin API's approvals). */
  guard?: RequestGuard;
}
