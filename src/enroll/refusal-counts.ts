// Counts of what the abuse guard refused, for the admin stats (docs/admin-api.md), added to the
// current CA's ledger in batches (util/batched-counters.ts): a refusal writes nothing on its own
// path and a success never touches them.
import { BatchedCounters } from "../util/batched-counters";

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

const refusals = new BatchedCounters<RefusalCounter>();

export function countRefusal(name: RefusalCounter, n = 1): void {
  refusals.count(name, n);
}

/** Writes the pending counts when due (or `force`); a failed write keeps them for the next flush. */
export function flushRefusalCounts(ledger: CounterLedger, now: number, force = false): Promise<void> | undefined {
  return refusals.flush((batch) => ledger.addEdgeCounts(batch), now, force);
}

/** The admin stats' view: this isolate's pending counts written first, then the ledger's totals. */
export async function refusalStats(
  ledger: CounterLedger & { edgeCounts(): Promise<Record<string, number>> },
  now: number,
): Promise<Record<string, number>> {
  await flushRefusalCounts(ledger, now, true);
  return ledger.edgeCounts();
}
