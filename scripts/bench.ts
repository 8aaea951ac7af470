// Enrollment benchmark of the built Worker served by Miniflare (workerd) on 127.0.0.1, following
// the method of docs/scep-clients.md §6: distinct pre-generated PKCSReq messages (RSA-2048 client
// keys, AES-128-CBC + SHA-256), POSTed over keep-alive at concurrency C, fresh messages per level.
//
//   npx tsx scripts/bench.ts [--n 300] [--concurrency 1,8,32] [--keys 16] [--timeout 600] [--no-build]
//
// Per level it prints ok/failed, enrollments/s, p50/p99 latency, the CPU time of the serving
// workerd process(es) per enrollment (utime+stime from /proc/<pid>/stat of this process's
// descendants, before/after the level) and of this node process (load generator + Miniflare),
// and the "floor ratio": workerd CPU per enrollment / the cost of 3 RSA-2048 private-key
// operations measured in-process (a CertRep needs 3: unwrap the request key, sign the
// certificate, sign the CertRep). Message generation and reply checking are not timed.
// Loopback only, bounded: --n <= 5000, concurrency <= 64, a hard overall --timeout.
import { execFileSync } from "node:child_process";
import { generateKeyPair as generateKeyPairCb, sign } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { promisify } from "node:util";
import { ConfigError, loadConfig } from "../src/config";
import { handlePkiOperation } from "../src/enroll/pki-operation";
import { parseCommandLine, usageExit } from "./lib/cli";
import { createTestCa } from "./lib/test-ca";
import { buildWorker, startWorker, type RunningWorker } from "./lib/worker-server";
import { MessageType, PkiStatus } from "../src/scep/oids";
import { buildCsr as buildCsrDer } from "../src/client/csr-builder";
import { buildRequest, openCertRep, randomOctets as rb, selfSigned, type BuiltRequest } from "../src/client/enrollment";
import { discoverCa } from "../src/client/discovery";
import { keyFromPem, summarizeCert, type ClientKey } from "../src/client/certificates";

const HELP = `Usage: npm run bench -- [--n 300] [--concurrency 1,8,32] [--keys 16] [--timeout 600] [--no-build]

Enrollment benchmark of the built Worker (Miniflare on 127.0.0.1): distinct pre-generated PKCSReq
messages POSTed at each concurrency; prints enrollments/s, latency and CPU per enrollment.
  --n N                 messages per level (1-5000, default 300)
  --concurrency LIST    comma list (each 1-64, default 1,8,32)
  --keys N              client keys to share between messages (1-256, default 16)
  --timeout SECONDS     hard limit for the whole run (10-3600, default 600)
  --no-build            serve the existing dist/ instead of building
  -h, --help            this text`;

const { values, positionals } = parseCommandLine("bench", HELP, {
  n: { type: "string" },
  concurrency: { type: "string" },
  keys: { type: "string" },
  timeout: { type: "string" },
  "no-build": { type: "boolean" },
});
if (positionals.length) usageExit("bench", `unexpected argument ${positionals[0]}`);
const N = clampInt(values.n ?? "300", 1, 5000, "--n");
const LEVELS = (values.concurrency ?? "1,8,32").split(",").map((s) => clampInt(s, 1, 64, "--concurrency"));
const KEYS = clampInt(values.keys ?? "16", 1, 256, "--keys");
const TIMEOUT_S = clampInt(values.timeout ?? "600", 10, 3600, "--timeout");
const CHALLENGE = `bench-${crypto.randomUUID()}`;
const REQUEST_TIMEOUT_MS = 30_000;

function clampInt(s: string, lo: number, hi: number, name: string): number {
  const v = Number(s);
  if (!Number.isInteger(v) || v < lo || v > hi) usageExit("bench", `${name} must be an integer from ${lo} to ${hi}`);
  return v;
}

// Worker console lines ({"event":"issued",...}) come through Miniflare on our stdout: drop them,
// count them (they still cost node CPU, which is reported separately).
let workerLogLines = 0;
const realWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  if (text.startsWith('{"event":')) {
    workerLogLines += text.split("\n").filter(Boolean).length;
    return true;
  }
  return (realWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;
const out = (s = "") => realWrite(s + "\n");

let worker: RunningWorker | undefined;
const hardTimer = setTimeout(() => {
  console.error(`bench: hard timeout of ${TIMEOUT_S} s reached, stopping`);
  void Promise.race([worker?.stop(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(124));
}, TIMEOUT_S * 1000);
hardTimer.unref();

// ---------------------------------------------------------------------------------------------
// /proc accounting

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = s.lastIndexOf(")");
    const comm = s.slice(s.indexOf("(") + 1, close);
    const f = s.slice(close + 2).split(" "); // f[0] = state (field 3)
    return { pid, ppid: Number(f[1]), comm, cpuTicks: Number(f[11]) + Number(f[12]) }; // utime (14) + stime (15)
  } catch {
    return undefined;
  }
}

/** Every live descendant of this process (Miniflare spawns workerd as a child). */
function descendants(): ProcStat[] {
  const all: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) all.push(st);
  }
  const result: ProcStat[] = [];
  const frontier = [process.pid];
  while (frontier.length) {
    const parent = frontier.pop()!;
    for (const p of all)
      if (p.ppid === parent) {
        result.push(p);
        frontier.push(p.pid);
      }
  }
  return result;
}

/** CPU ms of the given pids (threads included: /proc/<pid>/stat sums them). */
function cpuMsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0;
  return (ticks * 1000) / CLK_TCK;
}

function nodeCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// ---------------------------------------------------------------------------------------------

/** One RSA-2048 private-key operation (node:crypto sign, SHA-256), 200 times in-process. CPU time
 *  (process.cpuUsage) is the measure, so a busy shared machine inflates it less than wall time. */
function rsaFloorMs(keyPem: string): { cpuMs: number; wallMs: number } {
  const key = keyFromPem(keyPem).handle.key;
  const data = rb(600);
  for (let i = 0; i < 20; i++) sign("sha256", data, key);
  const n = 200;
  const c0 = nodeCpuMs();
  const t = performance.now();
  for (let i = 0; i < n; i++) sign("sha256", data, key);
  return { wallMs: (performance.now() - t) / n, cpuMs: (nodeCpuMs() - c0) / n };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Shot {
  status: number;
  contentType: string;
  body?: Uint8Array;
  ms: number;
  error?: string;
}

async function fire(url: string, der: Uint8Array): Promise<Shot> {
  const t = performance.now();
  try {
    const res = await fetch(`${url}?operation=PKIOperation`, {
      method: "POST",
      headers: { "content-type": "application/x-pki-message" },
      body: der,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", body, ms: performance.now() - t };
  } catch (e) {
    return { status: 0, contentType: "", ms: performance.now() - t, error: (e as Error).message };
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  out(`# scripts/bench.ts: N=${N} per level, concurrency ${LEVELS.join(",")}, ${KEYS} RSA-2048 client keys, AES-128-CBC + SHA-256, POST, keep-alive`);
  out(
    `# machine: ${availableParallelism()} cpus, loadavg ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}, ${process.version}, CLK_TCK ${CLK_TCK}`,
  );

  const script = values["no-build"] ? "dist/index.js" : await buildWorker();
  const ca = await createTestCa({ cn: "Bench CA" });
  try {
    worker = await startWorker({
      scriptPath: script,
      bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static", CERT_VALIDITY_DAYS: "30" },
    });
    const served = descendants();
    const workerd = served.filter((p) => /workerd/.test(p.comm));
    const servingPids = (workerd.length ? workerd : served).map((p) => p.pid);
    out(
      `# worker ${worker.url}; serving processes: ${served.map((p) => `${p.comm}[${p.pid}]`).join(", ") || "none found"}; counted: ${servingPids.join(",")}`,
    );

    // keys (untimed)
    let t = performance.now();
    const genKey = promisify(generateKeyPairCb);
    const keys: ClientKey[] = await Promise.all(
      Array.from({ length: KEYS }, async () => {
        const { privateKey } = await genKey("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
        return keyFromPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString());
      }),
    );
    out(`# ${KEYS} client keys in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const f = rsaFloorMs(ca.keyPem);
    const floorOne = f.cpuMs;
    const floor = 3 * floorOne;
    out(
      `# RSA-2048 private-key op (node:crypto sign, 200x): ${f.cpuMs.toFixed(3)} ms CPU (${f.wallMs.toFixed(3)} ms wall) -> floor (3 ops) ${floor.toFixed(3)} ms CPU per enrollment`,
    );

    const disc = await discoverCa({ url: worker.url });
    const caDers = disc.certs.map((c) => c.der);
    let serialCounter = 0;
    // Generation yields to the event loop now and then so the hard timeout can fire.
    const makeMessages = async (label: string, n: number): Promise<BuiltRequest[]> => {
      const msgs: BuiltRequest[] = [];
      for (let i = 0; i < n; i++) {
        if (i % 25 === 24) await new Promise((r) => setImmediate(r));
        const key = keys[serialCounter++ % keys.length]!;
        const cn = `bench-${label}-${i}`;
        const csrDer = buildCsrDer({ key: key.handle, subject: { commonName: cn }, challenge: CHALLENGE, hash: "sha256" });
        msgs.push(
          buildRequest({
            messageType: MessageType.PKCSReq,
            csrDer,
            signer: selfSigned(key.handle, { commonName: cn }),
            recipients: disc.recipients,
            cipher: "aes-128-cbc",
            hash: "sha256",
            transactionId: Buffer.from(rb(20)).toString("hex"), // distinct per message, like the CSR
          }),
        );
      }
      return msgs;
    };

    // Warm the isolate (module load, CA key import) so level 1 measures steady state.
    for (const m of await makeMessages("warmup", 4)) await fire(worker.url, m.der);

    const allSerials = new Map<string, number>();
    const rows: string[][] = [];
    for (const c of LEVELS) {
      t = performance.now();
      const msgs = await makeMessages(`c${c}`, N);
      out(`# c=${c}: ${N} messages generated in ${((performance.now() - t) / 1000).toFixed(1)} s (untimed)`);
      await new Promise((r) => setTimeout(r, 200));

      const pids = servingPids.filter((pid) => readStat(pid));
      const cpu0 = cpuMsOf(pids);
      const node0 = nodeCpuMs();
      const shots: Shot[] = new Array(N);
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: Math.min(c, N) }, async () => {
          for (let i = next++; i < N; i = next++) shots[i] = await fire(worker!.url, msgs[i]!.der);
        }),
      );
      const wallMs = performance.now() - t0;
      const cpu1 = cpuMsOf(pids);
      const node1 = nodeCpuMs();

      // Check every reply (untimed): signature, nonces, SUCCESS, decrypts to a certificate.
      let ok = 0;
      const failures = new Map<string, number>();
      const note = (why: string) => failures.set(why, (failures.get(why) ?? 0) + 1);
      let dup = 0;
      for (let i = 0; i < N; i++) {
        const s = shots[i]!;
        if (s.error || s.status !== 200 || !s.contentType.startsWith("application/x-pki-message")) {
          note(s.error ? `error: ${s.error}` : `HTTP ${s.status} ${s.contentType}`);
          continue;
        }
        try {
          const rep = openCertRep(s.body!, msgs[i]!, caDers);
          if (rep.status !== PkiStatus.SUCCESS || !rep.certificates[0]) {
            note(`pkiStatus ${rep.status} failInfo ${rep.failInfo ?? "-"} ${rep.failInfoText ?? ""}`.trim());
            continue;
          }
          const serial = summarizeCert(rep.certificates[0]).serialHex;
          if (allSerials.has(serial)) dup++;
          allSerials.set(serial, (allSerials.get(serial) ?? 0) + 1);
          ok++;
        } catch (e) {
          note(`bad CertRep: ${(e as Error).message}`);
        }
      }
      const lat = shots.map((s) => s.ms).sort((a, b) => a - b);
      const workerdPer = (cpu1 - cpu0) / N;
      const nodePer = (node1 - node0) / N;
      rows.push([
        String(c),
        `${ok}/${N}`,
        String(N - ok),
        (wallMs / 1000).toFixed(2),
        ((ok * 1000) / wallMs).toFixed(1),
        percentile(lat, 50).toFixed(1),
        percentile(lat, 99).toFixed(1),
        workerdPer.toFixed(2),
        nodePer.toFixed(2),
        (workerdPer / floor).toFixed(2),
        String(dup),
      ]);
      for (const [why, count] of failures) out(`#   c=${c} failed x${count}: ${why}`);
    }

    // Baseline: what the local runtime (Miniflare entry worker, HTTP, routing) costs per request,
    // measured with GetCACaps, which does no crypto and touches no storage.
    const capsPids = servingPids.filter((pid) => readStat(pid));
    const capsCpu0 = cpuMsOf(capsPids);
    let capsNext = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = capsNext++; i < N; i = capsNext++) await (await fetch(`${worker!.url}?operation=GetCACaps`)).text();
      }),
    );
    const baseline = (cpuMsOf(capsPids) - capsCpu0) / N;

    // The enrollment pipeline alone, in this process: no HTTP, no Durable Object (ledger stubbed).
    const config = loadConfig({ CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE } as never);
    if (config instanceof ConfigError) throw config;
    const inProcess = await makeMessages("inproc", N);
    const stubLedger = { recordIssuance: async () => ({ kind: "recorded" as const }) } as never;
    const deps = {
      ledger: stubLedger,
      ledgerOf: () => stubLedger,
      runtime: { now: () => new Date(), randomBytes: rb, log: () => {} },
    };
    for (const m of inProcess.slice(0, 20)) await handlePkiOperation(m.der, config, deps);
    const pipe0 = nodeCpuMs();
    for (const m of inProcess.slice(20)) await handlePkiOperation(m.der, config, deps);
    const pipeline = (nodeCpuMs() - pipe0) / (N - 20);

    out("");
    const head = [
      "conc",
      "ok",
      "failed",
      "wall s",
      "enroll/s",
      "p50 ms",
      "p99 ms",
      "workerd CPU ms/enr",
      "node CPU ms/enr",
      "floor ratio",
      "dup serials",
    ];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(" | ")} |`;
    out(line(head));
    out(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const r of rows) out(line(r));
    out("");
    out(`runtime baseline (GetCACaps, no crypto, no storage): ${baseline.toFixed(2)} ms workerd CPU per request`);
    out(
      `enrollment pipeline alone (in-process, ledger stubbed, no HTTP): ${pipeline.toFixed(2)} ms CPU per enrollment = ${(pipeline / floor).toFixed(2)} x floor`,
    );
    out("");
    out(
      `floor = 3 x ${floorOne.toFixed(3)} ms CPU (RSA-2048 private-key op, node:crypto, this machine) = ${floor.toFixed(3)} ms; floor ratio = workerd CPU per enrollment / floor.`,
    );
    out(
      `node CPU = this process: load generator (fetch) + Miniflare (+ ${workerLogLines} worker log lines forwarded). Reply checking and message generation are untimed.`,
    );
    out(
      `total bench time ${((performance.now() - started) / 1000).toFixed(1)} s; loadavg now ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await worker?.stop();
    await ca.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench failed: ${(e as Error).stack ?? e}`);
    void Promise.race([worker?.stop(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(1));
  },
);
