// The benchmark's attribution inside workerd (scripts/bench/pipeline-driver.ts under Miniflare):
// in alternating batches, the floor (3 RSA-2048 signatures, workerd's node:crypto), the pipeline
// with the ledger stubbed, and the pipeline with the real ledger Durable Object over RPC, each as
// workerd CPU per item from /proc. Many items per HTTP request, so the request's own cost is small.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import type { BuiltRequest } from "../../src/client/enrollment";
import { cpuMsOf, servingPids } from "./proc-cpu";
import { COMPATIBILITY_DATE, REPO_ROOT } from "./worker-server";

export interface WorkerdFigures {
  floor: number;
  pipeline: number;
  /** The pipeline with the ledger's RPC and SQL. */
  pipelineWithLedger: number;
}

/** /proc counts CPU in clock ticks (10 ms): per-batch figures are coarse, their sum is not. */
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

function frame(messages: BuiltRequest[]): Uint8Array {
  const parts = messages.flatMap((m) => [
    Uint8Array.of(m.der.length >>> 24, (m.der.length >> 16) & 0xff, (m.der.length >> 8) & 0xff, m.der.length & 0xff),
    m.der,
  ]);
  return Buffer.concat(parts);
}

/** `stub` and `real` hold fresh messages for the CA (distinct transactionIDs), equally many. */
export async function workerdFigures(
  ca: { certPem: string; keyPem: string },
  challenge: string,
  stub: BuiltRequest[],
  real: BuiltRequest[],
  opts: { batch?: number; inspectorPort?: number } = {},
): Promise<WorkerdFigures> {
  const batch = opts.batch ?? 40;
  const outdir = mkdtempSync(join(tmpdir(), "pipeline-driver-"));
  const before = servingPids();
  let mf: Miniflare | undefined;
  try {
    execFileSync(
      join(REPO_ROOT, "node_modules/.bin/esbuild"),
      [
        "scripts/bench/pipeline-driver.ts",
        "--bundle",
        "--format=esm",
        "--platform=neutral",
        "--external:cloudflare:*",
        "--external:node:*",
        `--outfile=${join(outdir, "driver.js")}`,
      ],
      { cwd: REPO_ROOT, stdio: "ignore" },
    );
    mf = new Miniflare(
      convertV4MiniflareOptions({
        host: "127.0.0.1",
        port: 0,
        ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
        scriptPath: join(outdir, "driver.js"),
        modules: true,
        modulesRoot: outdir,
        compatibilityDate: COMPATIBILITY_DATE,
        compatibilityFlags: ["nodejs_compat"],
        bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: challenge, CHALLENGE_MODE: "static" },
        kvNamespaces: { CACHE: "cache" },
        durableObjects: { LEDGER: { className: "Ledger", useSQLite: true } },
      }),
    );
    const base = await mf.ready;
    const pids = servingPids().filter((p) => !before.includes(p));
    const post = async (query: string, body?: Uint8Array) => {
      const res = await fetch(new URL(`/?${query}`, base), { method: "POST", body, signal: AbortSignal.timeout(300_000) });
      const text = await res.text();
      if (!res.ok) throw new Error(`pipeline driver: HTTP ${res.status} ${text}`);
      return Number(text);
    };
    const timed = async (items: number, query: string, body?: Uint8Array) => {
      const c0 = cpuMsOf(pids);
      const ok = await post(query, body);
      if (ok !== items) throw new Error(`pipeline driver: ${ok} of ${items} went through (${query})`);
      return (cpuMsOf(pids) - c0) / items;
    };
    await post("op=floor&n=10");
    await post("op=pipeline&ledger=do", frame(real.slice(0, 5))); // JIT, CA key import, the object's schema
    const floors: number[] = [];
    const pipes: number[] = [];
    const withLedger: number[] = [];
    for (let at = 5; at + batch <= Math.min(stub.length, real.length); at += batch) {
      floors.push(await timed(batch, `op=floor&n=${batch}`));
      pipes.push(await timed(batch, "op=pipeline&ledger=stub", frame(stub.slice(at, at + batch))));
      withLedger.push(await timed(batch, "op=pipeline&ledger=do", frame(real.slice(at, at + batch))));
    }
    return { floor: mean(floors), pipeline: mean(pipes), pipelineWithLedger: mean(withLedger) };
  } finally {
    await mf?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
}
