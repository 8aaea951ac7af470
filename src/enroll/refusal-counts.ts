// Counts of what the abuse guard refused, for the admin stats (docs/admin-api.md): kept in isolate
// memory and added to the current CA's ledger in batches, at most one write per isolate per
// FLUSH_MS and only when something was counted, so a refusal writes nothing on its own path and a
// success never touches them. Other isolates' counts appear within FLUSH_MS of their next refusal.
export type RefusalCounter =
  /** Answered 429 before the body was read (the client is past the failure limit). */
  | "refused.rate-limited"
  /** Failed authentications counted in AUTH_FAILURE_LIMITER. */
  | "failures.counted"
  /** Clients boxed by an isolate after the limiter's "no". */
  | "clients.blocked"
  /** Signed FAILURE instead of an Intune validateRequest: the client's bound, or everyone's. */
  | "intune.bound.client"
  | "intune.bound.all";

export interface CounterLedger {
  addEdgeCounts(counts: Record<string, number>): Promise<void>;
}

const FLUSH_MS = 10_000;

let pending: Partial<Record<RefusalCounter, number>> = {};
let lastFlush = 0;

export function countRefusal(name: RefusalCounter, n = 1): void {
  pending[name] = (pending[name] ?? 0) + n;
}

/** Writes the pending counts when due (or `force`); a failed write puts them back for the next flush. */
export function flushRefusalCounts(ledger: CounterLedger, now: number, force = false): Promise<void> | undefined {
  if (Object.keys(pending).length === 0 || (!force && now - lastFlush < FLUSH_MS)) return undefined;
  const batch = pending as Record<string, number>;
  pending = {};
  lastFlush = now;
  return ledger.addEdgeCounts(batch).catch(() => {
    for (const [name, n] of Object.entries(batch)) countRefusal(name as RefusalCounter, n);
  });
}

/** The admin stats' view: this isolate's pending counts written first, then the ledger's totals. */
export async function refusalStats(
  ledger: CounterLedger & { edgeCounts(): Promise<Record<string, number>> },
  now: number,
): Promise<Record<string, number>> {
  await flushRefusalCounts(ledger, now, true);
  return ledger.edgeCounts();
}
