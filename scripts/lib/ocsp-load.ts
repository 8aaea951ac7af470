// One benchmark row against the served Worker: n requests at a concurrency, wall time and latency
// percentiles, workerd CPU from /proc, and the admin stats' OCSP counters before and after, so a
// row says how many ledger reads and signatures each response cost.
import { cpuMsOf, percentile, readStat, servingPids } from "./proc-cpu";

export interface Shot {
  status: number;
  ms: number;
  first: number;
}

export type Send = (i: number) => Promise<Shot>;

export async function timed(fn: () => Promise<Response>): Promise<Shot> {
  const t = performance.now();
  try {
    const res = await fn();
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, ms: performance.now() - t, first: ocspStatusOf(body) };
  } catch {
    return { status: 0, ms: performance.now() - t, first: -1 };
  }
}

/** OCSPResponseStatus: the ENUMERATED right after the outer SEQUENCE header, or -1. */
function ocspStatusOf(body: Uint8Array): number {
  if (body[0] !== 0x30 || body.length < 5) return -1;
  const at = body[1]! < 0x80 ? 2 : 2 + (body[1]! & 0x7f);
  return body[at] === 0x0a && body[at + 1] === 1 ? body[at + 2]! : -1;
}

export interface Row {
  scenario: string;
  conc: number;
  n: number;
  ok: number;
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  ledger: number;
  signed: number;
}

/** The admin stats' OCSP counters (docs/ocsp.md, "Traffic"). */
async function ocspCounters(origin: string, token: string): Promise<Record<string, number>> {
  const res = await fetch(`${origin}/admin/stats`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`/admin/stats: HTTP ${res.status}`);
  return ((await res.json()) as { ocsp: Record<string, number> }).ocsp;
}

export async function run(
  origin: string,
  token: string,
  scenario: string,
  conc: number,
  n: number,
  send: Send,
  ok: (s: Shot) => boolean,
): Promise<Row> {
  const before = await ocspCounters(origin, token);
  const pids = servingPids().filter((p) => readStat(p));
  const cpu0 = cpuMsOf(pids);
  const shots: Shot[] = new Array(n);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(conc, n) }, async () => {
      for (let i = next++; i < n; i = next++) shots[i] = await send(i);
    }),
  );
  const wall = performance.now() - t0;
  const cpu = (cpuMsOf(pids) - cpu0) / n;
  const after = await ocspCounters(origin, token);
  const delta = (k: string) => ((after[k] ?? 0) - (before[k] ?? 0)) / n;
  const lat = shots.map((s) => s.ms).sort((a, b) => a - b);
  return {
    scenario,
    conc,
    n,
    ok: shots.filter(ok).length,
    rps: (n * 1000) / wall,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    cpu,
    ledger: delta("ledger.revisionReads") + delta("ledger.statusReads"),
    signed: delta("signed"),
  };
}
