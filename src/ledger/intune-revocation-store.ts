// Intune's revocation requests as this ledger has handled them (src/intune/revocation-sync.ts):
// one row per requestContext, written in the same storage transaction as the revocation itself,
// so a request seen twice revokes once, and a result Intune has not yet accepted (a failed upload,
// a Worker stopped in between) is sent again on the next run. The sync's own state (who runs, the
// last run's summary) lives in the current CA's ledger. Schema v4, docs/storage-schema.md.
import { revokeCertificate } from "./certificate-store";
import type { IntuneRevocationAnswer, IntuneRevocationOutcome, IntuneSyncState, UnsentIntuneRevocation } from "./types";

/** Kept for audit, then pruned: Intune does not send a request again once it has the result. */
const KEEP_SENT_MS = 90 * 86_400_000;

function recorded(sql: SqlStorage, requestContext: string): IntuneRevocationOutcome | undefined {
  return sql.exec<{ outcome: string }>("SELECT outcome FROM intune_revocations WHERE request_context = ?", requestContext).toArray()[0]?.outcome as
    | IntuneRevocationOutcome
    | undefined;
}

function insert(sql: SqlStorage, requestContext: string, serial: string, outcome: IntuneRevocationOutcome, now: number): void {
  sql.exec(
    "INSERT OR IGNORE INTO intune_revocations (request_context, serial, outcome, received_at) VALUES (?, ?, ?, ?)",
    requestContext,
    serial,
    outcome,
    now,
  );
}

export function handleIntuneRevocation(sql: SqlStorage, requestContext: string, serial: string, reason: number, now: number): IntuneRevocationAnswer {
  const seen = recorded(sql, requestContext);
  if (seen) return { kind: "seen", outcome: seen };
  const outcome = revokeCertificate(sql, serial, reason, now);
  if (outcome === "not-found") return { kind: "absent" };
  if (outcome === "bad-reason") throw new Error(`revocation reason ${reason} is not one this CA records`);
  insert(sql, requestContext, serial, outcome, now);
  return { kind: "handled", outcome };
}

/** Records an outcome no certificate decided (not-found, invalid); the first record of a requestContext wins. */
export function recordIntuneRevocation(
  sql: SqlStorage,
  requestContext: string,
  serial: string,
  outcome: IntuneRevocationOutcome,
  now: number,
): IntuneRevocationOutcome {
  insert(sql, requestContext, serial, outcome, now);
  return recorded(sql, requestContext)!;
}

export function unsentIntuneRevocations(sql: SqlStorage, limit: number): UnsentIntuneRevocation[] {
  return sql
    .exec<{ request_context: string; serial: string; outcome: string }>(
      "SELECT request_context, serial, outcome FROM intune_revocations WHERE uploaded_at IS NULL ORDER BY received_at LIMIT ?",
      limit,
    )
    .toArray()
    .map((r) => ({ requestContext: r.request_context, serial: r.serial, outcome: r.outcome as IntuneRevocationOutcome }));
}

export function markIntuneRevocationsSent(sql: SqlStorage, requestContexts: string[], now: number): void {
  for (const context of requestContexts) {
    sql.exec("UPDATE intune_revocations SET uploaded_at = ? WHERE request_context = ? AND uploaded_at IS NULL", now, context);
  }
  sql.exec("DELETE FROM intune_revocations WHERE uploaded_at IS NOT NULL AND uploaded_at < ?", now - KEEP_SENT_MS);
}

/**
 * Claims the sync for `runId` unless another run started less than `leaseMs` ago and has not
 * finished (a cron and an admin's run at once). A run that died is taken over after the lease.
 */
export function beginIntuneSync(sql: SqlStorage, runId: string, now: number, leaseMs: number): boolean {
  const row = sql
    .exec<{ started_at: number; finished_at: number | null }>("SELECT started_at, finished_at FROM intune_sync WHERE id = 1")
    .toArray()[0];
  if (row && row.finished_at === null && now - row.started_at < leaseMs) return false;
  sql.exec(
    `INSERT INTO intune_sync (id, run_id, started_at, finished_at) VALUES (1, ?, ?, NULL)
     ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, started_at = excluded.started_at, finished_at = NULL`,
    runId,
    now,
  );
  return true;
}

export function finishIntuneSync(sql: SqlStorage, runId: string, summary: unknown, now: number): void {
  sql.exec("UPDATE intune_sync SET finished_at = ?, summary = ? WHERE id = 1 AND run_id = ?", now, JSON.stringify(summary), runId);
}

export function intuneSyncState(sql: SqlStorage): IntuneSyncState | undefined {
  const unsent = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM intune_revocations WHERE uploaded_at IS NULL").one().n;
  const row = sql
    .exec<{ run_id: string; started_at: number; finished_at: number | null; summary: string | null }>(
      "SELECT run_id, started_at, finished_at, summary FROM intune_sync WHERE id = 1",
    )
    .toArray()[0];
  if (!row) return unsent ? { runId: "", startedAt: 0, unsent } : undefined;
  return {
    runId: row.run_id,
    startedAt: row.started_at,
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    ...(row.summary !== null ? { summaryJson: row.summary } : {}),
    unsent,
  };
}
