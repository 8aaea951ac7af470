// Soak: the built Worker under Miniflare on 127.0.0.1, a long mixed run at high concurrency
// (scripts/lib/soak-mix.ts: fresh enrollments, 10 % retries, 5 % renewals, 5 % wrong challenges,
// 5 % garbage), then the books: ledger rows = successes, serials unique, every retry answered
// with its recorded certificate, the CRL builds (with revocations in it), and workerd's memory
// over the run. Loopback only; bounded in count (--n <= 20000) and time (--timeout).
//
//   npm run soak -- [--n 5000] [--concurrency 32] [--keys 32] [--timeout 1800] [--no-build]
import { execFileSync } from "node:child_process";
import { generateKeyPair } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { keyFromPem, type ClientKey } from "../src/client/certificates";
import { discoverCa } from "../src/client/discovery";
import { judge, SoakMix, type Outcome, type Planned } from "./lib/soak-mix";
import { cpuMsOf, servingPids } from "./lib/proc-cpu";
import { workerHeapAfterGc } from "./lib/workerd-profile";
import { intArgument, parseCommandLine, usageExit } from "./lib/cli";
import { createTestCa } from "./lib/test-ca";
import { buildWorker, REPO_ROOT, startWorker, type RunningWorker } from "./lib/worker-server";

const HELP = `Usage: npm run soak -- [--n 5000] [--concurrency 32] [--keys 32] [--timeout 1800] [--no-build]

Soak: the built Worker (Miniflare on 127.0.0.1) under a long mixed load (fresh enrollments, 10 %
retries, 5 % renewals, 5 % wrong challenges, 5 % garbage), then the books: ledger rows = successes,
serials unique, retries answered with their recorded certificate, the CRL, and memory over the run.
  --n N                 requests in all (100-20000, default 5000)
  --concurrency N       requests in flight (1-64, default 32)
  --keys N              client keys to share between requests (1-256, default 32)
  --timeout SECONDS     hard limit for the whole run (60-7200, default 1800)
  --no-build            serve the existing dist/ instead of building
  -h, --help            this text`;

const { values, positionals } = parseCommandLine("soak", HELP, {
  n: { type: "string" },
  concurrency: { type: "string" },
  keys: { type: "string" },
  timeout: { type: "string" },
  "no-build": { type: "boolean" },
});
if (positionals.length) usageExit("soak", `unexpected argument ${positionals[0]}`);
const N = intArgument("soak", values.n, "n", 5000, 100, 20000);
const C = intArgument("soak", values.concurrency, "concurrency", 32, 1, 64);
const KEYS = intArgument("soak", values.keys, "keys", 32, 1, 256);
const CHALLENGE = `soak-${crypto.randomUUID()}`;
const ADMIN = `adm-${crypto.randomUUID()}`;
const out = (s = "") => process.stdout.write(`${s}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

let worker: RunningWorker | undefined;
const hard = setTimeout(
  () => {
    console.error("soak: hard timeout, stopping");
    void Promise.race([worker?.stop(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(124));
  },
  intArgument("soak", values.timeout, "timeout", 1800, 60, 7200) * 1000,
);
hard.unref();

/** Resident memory (VmRSS, MB) of the given processes. */
function rssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {}
  }
  return kb / 1024;
}

/** workerd's V8 inspector, for the heap figures; a port unlikely to be taken on loopback. */
const INSPECTOR_PORT = 20_000 + Math.floor(Math.random() * 20_000);

async function heapMb(): Promise<number> {
  return (await workerHeapAfterGc(INSPECTOR_PORT)) / 2 ** 20;
}

async function admin(path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(`${worker!.origin}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function main(): Promise<void> {
  const script = values["no-build"] ? resolve(REPO_ROOT, "dist/index.js") : await buildWorker();
  const ca = await createTestCa({ cn: "Soak CA" });
  try {
    worker = await startWorker({
      scriptPath: script,
      bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, ADMIN_TOKEN: ADMIN },
      inspectorPort: INSPECTOR_PORT,
    });
    const pids = servingPids();
    const disc = await discoverCa({ url: worker.url });
    const caDers = disc.certs.map((c) => c.der);
    const genKey = promisify(generateKeyPair);
    const keys: ClientKey[] = await Promise.all(
      Array.from({ length: KEYS }, async () =>
        keyFromPem((await genKey("rsa", { modulusLength: 2048 })).privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
      ),
    );
    const mix = new SoakMix(disc.recipients, keys, CHALLENGE);
    const kinds = SoakMix.kinds(N);
    out(
      `# npm run soak: ${N} requests at c=${C} (${["fresh", "retry", "renewal", "wrong", "garbage"].map((k) => `${kinds.filter((x) => x === k).length} ${k}`).join(", ")}); loadavg ${load()}`,
    );

    const memory: { done: number; mb: number }[] = [{ done: 0, mb: rssMb(pids) }];
    // V8's heap after a full collection, at the start, half way and the end: what the isolates keep.
    const heaps: { done: number; mb: number }[] = [{ done: 0, mb: await heapMb() }];
    let halfway: Promise<void> | undefined;
    const outcomes: Outcome[] = [];
    let next = 0;
    const cpu0 = cpuMsOf(pids);
    const t0 = performance.now();
    const sampler = setInterval(() => memory.push({ done: outcomes.length, mb: rssMb(pids) }), 1000);
    await Promise.all(
      Array.from({ length: C }, async () => {
        for (let i = next++; i < N; i = next++) {
          const p: Planned = mix.plan(kinds[i]!, i);
          try {
            const res = await fetch(`${worker!.url}?operation=PKIOperation`, {
              method: "POST",
              headers: { "cf-connecting-ip": p.ip, "content-type": "application/x-pki-message" },
              body: p.body,
              signal: AbortSignal.timeout(60_000),
            });
            const body = new Uint8Array(await res.arrayBuffer());
            outcomes.push(judge(p, res.status, res.headers.get("content-type") ?? "", body, caDers, mix));
          } catch (e) {
            outcomes.push({ kind: p.kind, result: `error: ${(e as Error).message}` });
          }
          if (outcomes.length === Math.floor(N / 2)) halfway = heapMb().then((mb) => void heaps.push({ done: N / 2, mb }));
          if (outcomes.length % 1000 === 0) out(`#   ${outcomes.length}/${N} answered; workerd RSS ${rssMb(pids).toFixed(0)} MB; loadavg ${load()}`);
        }
      }),
    );
    clearInterval(sampler);
    const wall = (performance.now() - t0) / 1000;
    const cpu = (cpuMsOf(pids) - cpu0) / N;
    memory.push({ done: N, mb: rssMb(pids) });
    await halfway;
    heaps.push({ done: N, mb: await heapMb() });
    await report(outcomes, memory, heaps, wall, cpu, mix);
  } finally {
    await worker?.stop();
    await ca.cleanup();
  }
}

async function report(
  outcomes: Outcome[],
  memory: { done: number; mb: number }[],
  heaps: { done: number; mb: number }[],
  wall: number,
  cpu: number,
  mix: SoakMix,
): Promise<void> {
  const problems: string[] = [];
  const count = (kind: string, result?: string) => outcomes.filter((o) => o.kind === kind && (result === undefined || o.result === result)).length;
  out("");
  out("| kind | sent | success | refused | 429 | other |");
  out("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const k of ["fresh", "retry", "renewal", "wrong", "garbage"]) {
    const other = count(k) - count(k, "success") - count(k, "refused") - count(k, "limited");
    out(`| ${k} | ${count(k)} | ${count(k, "success")} | ${count(k, "refused")} | ${count(k, "limited")} | ${other} |`);
  }
  const odd = new Map<string, number>();
  for (const o of outcomes)
    if (!["success", "refused", "limited"].includes(o.result)) odd.set(`${o.kind}: ${o.result}`, (odd.get(`${o.kind}: ${o.result}`) ?? 0) + 1);
  for (const [why, n] of odd) problems.push(`${n} × ${why}`);

  // The books: every new certificate is a ledger row, no serial twice, retries got their certificate.
  const newSerials = outcomes.filter((o) => (o.kind === "fresh" || o.kind === "renewal") && o.result === "success").map((o) => o.serial!);
  const stats = (await admin("/admin/stats")) as { certificates: number; refused?: Record<string, number> };
  const unique = new Set(newSerials).size;
  out("");
  out(`ledger rows ${stats.certificates}, new certificates answered ${newSerials.length}, distinct serials ${unique}`);
  if (stats.certificates !== newSerials.length) problems.push(`ledger holds ${stats.certificates} certificates for ${newSerials.length} successes`);
  if (unique !== newSerials.length) problems.push(`${newSerials.length - unique} duplicate serials`);
  out(`retries answered with their recorded certificate: ${count("retry", "success")}/${count("retry")}`);
  out(`refused by the abuse guard (admin stats): ${JSON.stringify(stats.refused ?? {})}`);

  // The CRL, with 25 revocations in it.
  const revoked = mix.issued.slice(0, 25).map((x) => x.serial);
  for (const serial of revoked)
    await admin(`/admin/certificates/${serial}/revoke`, { method: "POST", body: JSON.stringify({ reason: "superseded" }) });
  const crl = await fetch(`${worker!.origin}/crl`);
  const der = new Uint8Array(await crl.arrayBuffer());
  let listed = -1;
  try {
    listed = (
      execFileSync("openssl", ["crl", "-inform", "DER", "-noout", "-text"], { input: der })
        .toString()
        .match(/Serial Number:/g) ?? []
    ).length;
  } catch (e) {
    problems.push(`the CRL does not parse: ${(e as Error).message.split("\n")[0]}`);
  }
  out(`CRL: HTTP ${crl.status}, ${der.length} bytes, ${listed} revoked serials listed (${revoked.length} revoked)`);
  if (crl.status !== 200 || listed !== revoked.length) problems.push("the CRL does not list the revocations");

  const at = (f: number) => memory[Math.min(memory.length - 1, Math.round(f * (memory.length - 1)))]!.mb.toFixed(0);
  const peak = Math.max(...memory.map((m) => m.mb));
  const half = memory.filter((m) => m.done >= N / 2);
  const slope = half.length > 1 ? ((half.at(-1)!.mb - half[0]!.mb) / Math.max(1, half.at(-1)!.done - half[0]!.done)) * 1000 : 0;
  out(
    `workerd RSS: start ${at(0)} MB, 25 % ${at(0.25)}, 50 % ${at(0.5)}, 75 % ${at(0.75)}, end ${at(1)}, peak ${peak.toFixed(0)} MB; second half ${slope.toFixed(2)} MB per 1,000 requests`,
  );
  out(`the Worker isolate's V8 heap after a full GC: ${heaps.map((h) => `${h.done} requests ${h.mb.toFixed(1)} MB`).join(", ")}`);
  const [h0, hHalf, hEnd] = heaps;
  // Bounded: the second half of the run must not keep what the first half did (a leak grows in both).
  if (h0 && hHalf && hEnd && hEnd.mb - hHalf.mb > Math.max(4, (hHalf.mb - h0.mb) * 1.5))
    problems.push("the isolates' heap grew in the second half of the run");
  out(`wall ${wall.toFixed(1)} s (${(N / wall).toFixed(1)} requests/s), workerd CPU ${cpu.toFixed(2)} ms per request; loadavg ${load()}`);
  out(problems.length ? `PROBLEMS:\n  ${problems.join("\n  ")}` : "all checks passed");
  if (problems.length) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(`soak failed: ${(e as Error).stack ?? e}`);
    void Promise.race([worker?.stop(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(1));
  },
);
