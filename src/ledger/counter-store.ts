// Counter tables the Worker's isolates add to in batches and the admin stats read: OCSP traffic
// (v5 `ocsp_counters`, src/ocsp/traffic.ts) and what the abuse guard refused (v6 `edge_counters`,
// src/enroll/refusal-counts.ts). Names and values are checked here as well, whatever the caller
// sends: each table only ever holds a handful of short names.
export type CounterTable = "ocsp_counters" | "edge_counters";

const COUNTER = /^[a-z][a-zA-Z.-]{0,39}$/;

export function addCounts(sql: SqlStorage, table: CounterTable, counts: Record<string, number>): void {
  for (const [name, n] of Object.entries(counts)) {
    if (!COUNTER.test(name) || !Number.isSafeInteger(n) || n <= 0 || n > 1e9) continue;
    sql.exec(`INSERT INTO ${table} (name, count) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET count = count + excluded.count`, name, n);
  }
}

export function readCounts(sql: SqlStorage, table: CounterTable): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of sql.exec<{ name: string; count: number }>(`SELECT name, count FROM ${table} ORDER BY name`).toArray()) out[row.name] = row.count;
  return out;
}
