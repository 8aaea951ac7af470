// OCSP traffic counters for the admin stats. Counted in isolate memory and added to the current
// CA's ledger in batches (at most one write per isolate per FLUSH_MS), so a cached answer writes
// nothing on its own path. The admin stats flush the isolate that serves them first; other
// isolates' counts appear within FLUSH_MS of their next request.
import type { OcspLedgerPort } from "./responder";

export type OcspCounter =
  | "requests.get"
  | "requests.post"
  | "refused.http"
  | "malformedRequest"
  | "unauthorized"
  | "tryLater"
  | "good"
  | "revoked"
  | "unknown"
  | "nonce"
  | "cache.hit"
  | "cache.revalidated"
  | "cache.miss"
  | "cache.bypass"
  | "ledger.revisionReads"
  | "ledger.statusReads"
  | "signed";

const FLUSH_MS = 10_000;

let pending: Partial<Record<OcspCounter, number>> = {};
let lastFlush = 0;

export function countOcsp(name: OcspCounter, n = 1): void {
  pending[name] = (pending[name] ?? 0) + n;
}

/** The batch to write now, if one is due (or `force`), taken out of the pending counts. */
function takeBatch(now: number, force: boolean): Record<string, number> | undefined {
  if (Object.keys(pending).length === 0) return undefined;
  if (!force && now - lastFlush < FLUSH_MS) return undefined;
  const batch = pending as Record<string, number>;
  pending = {};
  lastFlush = now;
  return batch;
}

/** Writes the pending counts when due; a failed write puts them back for the next flush. */
export function flushOcspCounts(ledger: OcspLedgerPort, now: number, force = false): Promise<void> | undefined {
  const batch = takeBatch(now, force);
  if (!batch) return undefined;
  return ledger.addOcspCounts(batch).catch(() => {
    for (const [name, n] of Object.entries(batch)) countOcsp(name as OcspCounter, n);
  });
}
