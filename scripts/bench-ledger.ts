// Ledger Durable Object throughput on the issuance path, apart from the endpoint: a driver Worker
// (scripts/bench/ledger-driver.ts) fires recordIssuance RPCs (the one ledger write an enrollment
// makes) at one ledger object from inside workerd, at several concurrencies. Not a test.
//   npm run bench:ledger -- [--n 2000] [--concurrency 1,8,32,128]   (--help)
// Note: workerd's clock only advances on I/O, so latencies are coarse; calls/s is the figure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { intOption, parseCommandLine, usageExit } from "./lib/cli";
import { COMPATIBILITY_DATE, REPO_ROOT } from "./lib/worker-server";

const HELP = `Usage: npm run bench:ledger -- [--n 2000] [--concurrency 1,8,32,128]

Throughput of one ledger Durable Object on the issuance path (recordIssuance over RPC from a
driver Worker inside workerd), at each concurrency. Not a test; prints a table.
  --n N                 calls per concurrency level (1-100000, default 2000)
  --concurrency LIST    comma list of concurrencies (each 1-1024, default 1,8,32,128)
  -h, --help            this text`;

const { values, positionals } = parseCommandLine("bench:ledger", HELP, { n: { type: "string" }, concurrency: { type: "string" } });
const [N, LEVELS] = ((): [number, number[]] => {
  try {
    if (positionals.length) throw new Error(`unexpected argument ${positionals[0]}`);
    const levels = (values.concurrency ?? "1,8,32,128").split(",").map((c) => intOption(c.trim(), "concurrency", 1, 1, 1024));
    return [intOption(values.n, "n", 2000, 1, 100_000), levels];
  } catch (e) {
    return usageExit("bench:ledger", e instanceof Error ? e.message : String(e));
  }
})();

/** CPU ms (utime+stime) of every descendant process: Miniflare runs workerd as a child. */
function childrenCpuMs(): number {
  const stats = readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map((n) => {
      try {
        const s = readFileSync(`/proc/${n}/stat`, "utf8");
        const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
        return { pid: Number(n), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
      } catch {
        return undefined;
      }
    })
    .filter((x): x is { pid: number; ppid: number; ticks: number } => x !== undefined);
  let ticks = 0;
  const frontier = [process.pid];
  while (frontier.length) {
    const parent = frontier.pop()!;
    for (const p of stats)
      if (p.ppid === parent) {
        ticks += p.ticks;
        frontier.push(p.pid);
      }
  }
  return ticks * 10; // CLK_TCK = 100 on Linux
}

async function main(): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), "ledger-bench-"));
  const script = join(outdir, "driver.js");
  execFileSync(
    join(REPO_ROOT, "node_modules/.bin/esbuild"),
    [
      "scripts/bench/ledger-driver.ts",
      "--bundle",
      "--format=esm",
      "--platform=neutral",
      "--external:cloudflare:*",
      "--external:node:*",
      `--outfile=${script}`,
    ],
    { cwd: REPO_ROOT, stdio: "inherit" },
  );
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      scriptPath: script,
      modules: true,
      modulesRoot: outdir,
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: ["nodejs_compat"],
      durableObjects: { LEDGER: { className: "Ledger", useSQLite: true } },
    }),
  );
  const base = await mf.ready;
  try {
    const call = async (n: number, c: number, run: string) => {
      const res = await fetch(new URL(`/?n=${n}&c=${c}&run=${run}`, base), { signal: AbortSignal.timeout(120_000) });
      if (!res.ok) throw new Error(`driver: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as { n: number; ms: number; latencies: number[] };
    };
    await call(200, 8, "warm");
    console.log(`ledger recordIssuance over RPC from a Worker, one Durable Object, ${N} calls per level`);
    console.log("concurrency  calls/s   p50 ms   p99 ms   workerd CPU ms/call (driver + ledger)");
    for (const c of LEVELS) {
      const cpu0 = childrenCpuMs();
      const r = await call(N, c, `c${c}`);
      const cpuPerCall = (childrenCpuMs() - cpu0) / r.n;
      const sorted = r.latencies.sort((a, b) => a - b);
      const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
      console.log(
        `${String(c).padStart(11)}  ${((r.n * 1000) / r.ms).toFixed(0).padStart(7)}  ${p(0.5).toFixed(2).padStart(7)}  ${p(0.99).toFixed(2).padStart(7)}   ${cpuPerCall.toFixed(2)}`,
      );
    }
  } finally {
    await mf.dispose();
  }
}

await main();
