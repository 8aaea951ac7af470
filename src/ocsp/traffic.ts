// OCSP traffic counters for the admin stats, added to the current CA's ledger in batches
// (util/batched-counters.ts), so a cached answer writes nothing on its own path.
import { BatchedCounters } from "../util/batched-counters";
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

const traffic = new BatchedCounters<OcspCounter>();

export function countOcsp(name: OcspCounter, n = 1): void {
  traffic.count(name, n);
}

/** Writes the pending counts when due (or `force`); a failed write keeps them for the next flush. */
export function flushOcspCounts(ledger: OcspLedgerPort, now: number, force = false): Promise<void> | undefined {
  return traffic.flush((batch) => ledger.addOcspCounts(batch), now, force);
}
