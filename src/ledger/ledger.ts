// The issuance ledger: a SQLite-backed Durable Object and the one place where uniqueness is
// decided (serials, transactionIDs, one-time challenges). Each RPC method is synchronous SQL in
// one storage transaction, so it is atomic; CPU-heavy signing happens in the Worker beforehand.
import { DurableObject } from "cloudflare:workers";
import { activity } from "./activity-store";
import { mintChallenge } from "./challenge-store";
import { addCounts, readCounts } from "./counter-store";
import {
  certificateBySerial,
  certificateDerBySerial,
  confirmDelivery,
  listCertificates,
  markUndelivered,
  revokeCertificate,
  stats,
  type RevokeOutcome,
} from "./certificate-store";
import { allocateCrlNumber, crlSnapshot, revokedEntries, storeCrl } from "./crl-store";
import {
  beginIntuneSync,
  finishIntuneSync,
  handleIntuneRevocation,
  intuneSyncState,
  markIntuneRevocationsSent,
  recordIntuneRevocation,
  unsentIntuneRevocations,
} from "./intune-revocation-store";
import { confirmRenewal, renewalStatus } from "./renewal-store";
import {
  answerForExisting,
  completeApproval,
  latestTransaction,
  listPending,
  pendingRequest,
  recordIssuance,
  recordPending,
  rejectPending,
} from "./issuance-store";
import { currentResponder, ocspRevision, ocspStatuses, recordResponder } from "./ocsp-store";
import { MIGRATIONS } from "./schema";
import { endSession, sessionEnded } from "./session-store";
import type {
  ApprovalOutcome,
  ApprovalRenewalCheck,
  ExistingAnswer,
  IntuneRevocationAnswer,
  IntuneRevocationOutcome,
  IntuneSyncState,
  PendingRequest,
  RejectedRequest,
  CertificateFilter,
  CertificateInput,
  CertificateView,
  CrlSnapshot,
  LedgerActivity,
  LedgerStats,
  OcspStatusSnapshot,
  PendingOutcome,
  RecordOutcome,
  RenewalPolicy,
  RenewalStatus,
  ResponderLookup,
  RevokedEntry,
  StoredResponder,
  TransactionInput,
  TransactionView,
  UnsentIntuneRevocation,
} from "./types";

/** How long one caller may take to issue the next OCSP responder before another is asked to. */
const RESPONDER_LEASE_MS = 60_000;

export class Ledger extends DurableObject {
  private readonly sql: SqlStorage;
  /** Soft lease on responder rotation (in memory: a lost lease only means two responders recorded). */
  private responderLeaseUntil = 0;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  private migrate(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const row = this.sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
    const current = row?.version ?? 0;
    if (current >= MIGRATIONS.length) return;
    this.ctx.storage.transactionSync(() => {
      for (let v = current; v < MIGRATIONS.length; v++) {
        const migration = MIGRATIONS[v]!;
        if (typeof migration === "string") this.sql.exec(migration);
        else migration(this.sql);
      }
      this.sql.exec("DELETE FROM schema_version");
      this.sql.exec("INSERT INTO schema_version (version) VALUES (?)", MIGRATIONS.length);
    });
  }

  private atomic<T>(fn: () => T): T {
    return this.ctx.storage.transactionSync(fn);
  }

  // --- enrollment path ---------------------------------------------------------------------
  recordIssuance(tx: TransactionInput, cert: CertificateInput, now: number): RecordOutcome {
    return this.atomic(() => recordIssuance(this.sql, tx, cert, now));
  }

  /** What a repeated request gets (used before calling Intune, so retries never reach it twice). */
  lookupRequest(tx: Pick<TransactionInput, "transactionId" | "requestKey" | "csrSha256">): ExistingAnswer | undefined {
    return answerForExisting(this.sql, tx);
  }

  /** Whether a certificate of this ledger may authorise a renewal now (a read; recordIssuance re-checks). */
  renewalStatus(serial: string, sha256: string, now: number, policy: RenewalPolicy): RenewalStatus {
    return renewalStatus(this.sql, serial, sha256, now, policy);
  }

  /** A renewal into another CA's ledger was recorded: check again (and supersede) atomically here. */
  confirmRenewal(serial: string, sha256: string, now: number, policy: RenewalPolicy, supersede: boolean): RenewalStatus {
    return this.atomic(() => confirmRenewal(this.sql, serial, sha256, now, policy, supersede));
  }

  recordPending(tx: TransactionInput, now: number): PendingOutcome {
    return this.atomic(() => recordPending(this.sql, tx, now));
  }

  latestTransaction(transactionId: string): TransactionView | undefined {
    return latestTransaction(this.sql, transactionId);
  }

  certificateDer(serial: string): { der: Uint8Array; status: string; delivered: boolean } | undefined {
    return certificateDerBySerial(this.sql, serial);
  }

  /** true when the certificate is valid and now deliverable; false when it was withheld meanwhile. */
  confirmDelivery(serial: string, now: number): boolean {
    return this.atomic(() => confirmDelivery(this.sql, serial, now));
  }

  markUndelivered(serial: string, revokeReason: number | undefined, now: number): void {
    this.atomic(() => {
      markUndelivered(this.sql, serial);
      if (revokeReason !== undefined) revokeCertificate(this.sql, serial, revokeReason, now);
    });
  }

  // --- approvals ---------------------------------------------------------------------------
  pendingRequest(transactionId: string, requestKey: string): PendingRequest | undefined {
    return pendingRequest(this.sql, transactionId, requestKey);
  }

  completeApproval(transactionId: string, requestKey: string, cert: CertificateInput, now: number, renewal?: ApprovalRenewalCheck): ApprovalOutcome {
    return this.atomic(() => completeApproval(this.sql, transactionId, requestKey, cert, now, renewal));
  }

  rejectPending(transactionId: string, requestKey: string, note: string, now: number): RejectedRequest | undefined {
    return this.atomic(() => rejectPending(this.sql, transactionId, requestKey, note, now));
  }

  listPending(limit: number): TransactionView[] {
    return listPending(this.sql, limit);
  }

  // --- admin -------------------------------------------------------------------------------
  listCertificates(filter: CertificateFilter): { items: CertificateView[]; cursor?: string } {
    return listCertificates(this.sql, filter);
  }

  certificate(serial: string): CertificateView | undefined {
    return certificateBySerial(this.sql, serial);
  }

  revoke(serial: string, reason: number, now: number): RevokeOutcome {
    return this.atomic(() => revokeCertificate(this.sql, serial, reason, now));
  }

  mintChallenge(sha256: string, subject: string | undefined, sans: string, expiresAt: number, now: number): void {
    mintChallenge(this.sql, sha256, subject, sans, expiresAt, now);
  }

  stats(now: number): LedgerStats {
    return stats(this.sql, now);
  }

  // --- Intune revocation requests (src/intune/revocation-sync.ts) ---------------------------
  /** Revokes the certificate for a requestContext not seen before, recording both in one step. */
  handleIntuneRevocation(requestContext: string, serial: string, reason: number, now: number): IntuneRevocationAnswer {
    return this.atomic(() => handleIntuneRevocation(this.sql, requestContext, serial, reason, now));
  }

  recordIntuneRevocation(requestContext: string, serial: string, outcome: IntuneRevocationOutcome, now: number): IntuneRevocationOutcome {
    return this.atomic(() => recordIntuneRevocation(this.sql, requestContext, serial, outcome, now));
  }

  unsentIntuneRevocations(limit: number): UnsentIntuneRevocation[] {
    return unsentIntuneRevocations(this.sql, limit);
  }

  markIntuneRevocationsSent(requestContexts: string[], now: number): void {
    this.atomic(() => markIntuneRevocationsSent(this.sql, requestContexts, now));
  }

  beginIntuneSync(runId: string, now: number, leaseMs: number): boolean {
    return this.atomic(() => beginIntuneSync(this.sql, runId, now, leaseMs));
  }

  finishIntuneSync(runId: string, summary: unknown, now: number): void {
    finishIntuneSync(this.sql, runId, summary, now);
  }

  intuneSyncState(): IntuneSyncState | undefined {
    return intuneSyncState(this.sql);
  }

  /** Issued per UTC day over the last `days` days, counts by kind, expiries, last CRL and Intune outcome. */
  activity(now: number, days: number): LedgerActivity {
    return activity(this.sql, now, days);
  }

  // --- admin console sessions (the current CA's ledger keeps them) ---------------------------
  endConsoleSession(id: string, expiresAt: number, now: number): void {
    endSession(this.ctx.storage.kv, id, expiresAt, now);
  }

  consoleSessionEnded(id: string): boolean {
    return sessionEnded(this.ctx.storage.kv, id);
  }

  // --- CRL ---------------------------------------------------------------------------------
  crlSnapshot(): CrlSnapshot {
    return crlSnapshot(this.sql);
  }

  prepareCrl(now: number): { number: number; revision: number; entries: RevokedEntry[] } {
    return this.atomic(() => {
      const revision = crlSnapshot(this.sql).revision;
      return { number: allocateCrlNumber(this.sql), revision, entries: revokedEntries(this.sql, now) };
    });
  }

  storeCrl(der: Uint8Array, number: number, revision: number, thisUpdate: number, nextUpdate: number, caSha256: string): void {
    storeCrl(this.sql, der, number, revision, thisUpdate, nextUpdate, caSha256);
  }

  // --- OCSP (docs/ocsp.md) -------------------------------------------------------------------
  /** One row read: what a cached "good" answer is checked against. */
  ocspRevision(): number {
    return ocspRevision(this.sql);
  }

  ocspStatus(serials: string[]): OcspStatusSnapshot {
    return ocspStatuses(this.sql, serials.slice(0, 16));
  }

  /**
   * The responder to sign with, and whether this caller should issue the next one: when none is
   * valid (every caller), or when the current one is within `renewBeforeMs` of its end (one caller
   * per lease; the others keep signing with the current one).
   */
  ocspResponder(caSha256: string, now: number, renewBeforeMs: number): ResponderLookup {
    const current = currentResponder(this.sql, caSha256, now);
    if (current && current.notAfter - now > renewBeforeMs) return { current, rotate: false };
    if (current && this.responderLeaseUntil > now) return { current, rotate: false };
    this.responderLeaseUntil = now + RESPONDER_LEASE_MS;
    return { current, rotate: true };
  }

  recordResponder(cert: CertificateInput, sealedKey: Uint8Array, caSha256: string, now: number): StoredResponder | undefined {
    const recorded = this.atomic(() => recordResponder(this.sql, cert, sealedKey, caSha256, now));
    if (recorded) this.responderLeaseUntil = 0;
    return recorded;
  }

  addOcspCounts(counts: Record<string, number>): void {
    this.atomic(() => addCounts(this.sql, "ocsp_counters", counts));
  }

  ocspCounts(): Record<string, number> {
    return readCounts(this.sql, "ocsp_counters");
  }

  addEdgeCounts(counts: Record<string, number>): void {
    this.atomic(() => addCounts(this.sql, "edge_counters", counts));
  }

  edgeCounts(): Record<string, number> {
    return readCounts(this.sql, "edge_counters");
  }
}
