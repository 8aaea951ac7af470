// Counts of what the Worker's abuse guard refused (src/http/refusal-counts.ts), added in batches
// by its isolates and read by the admin stats. Names and values are checked here as well, whatever
// the caller sends: the table only ever holds a handful of short names.
const COUNTER = /^[a-z][a-z.-]{0,39}$/;

export function addEdgeCounts(sql: SqlStorage, counts: Record<string, number>): void {
  for (const [name, n] of Object.entries(counts)) {
    if (!COUNTER.test(name) || !Number.isSafeInteger(n) || n <= 0 || n > 1e9) continue;
    sql.exec("INSERT INTO edge_counters (name, count) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET count = count + excluded.count", name, n);
  }
}

export function edgeCounts(sql: SqlStorage): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of sql.exec<{ name: string; count: number }>("SELECT name, count FROM edge_counters ORDER BY name").toArray())
    out[row.name] = row.count;
  return out;
}
