// Counters kept in isolate memory and written to storage in batches: at most one write per
// isolate per `flushMs`, and only when something was counted, so the request that counts writes
// nothing on its own path. A failed write puts the batch back for the next flush. The admin stats
// flush the isolate that serves them (`force`); other isolates' counts appear within `flushMs`
// of their next count.
export class BatchedCounters<Name extends string> {
  private pending: Partial<Record<Name, number>> = {};
  private lastFlush = 0;

  constructor(private readonly flushMs = 10_000) {}

  count(name: Name, n = 1): void {
    this.pending[name] = (this.pending[name] ?? 0) + n;
  }

  /** Hands the pending counts to `write` when due (or `force`); undefined when nothing is written. */
  flush(write: (batch: Record<string, number>) => Promise<void>, now: number, force = false): Promise<void> | undefined {
    if (Object.keys(this.pending).length === 0 || (!force && now - this.lastFlush < this.flushMs)) return undefined;
    const batch = this.pending as Record<string, number>;
    this.pending = {};
    this.lastFlush = now;
    return write(batch).catch(() => {
      for (const [name, n] of Object.entries(batch)) this.count(name as Name, n);
    });
  }
}
