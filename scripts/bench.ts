// Enrollment benchmark: the built Worker served by Miniflare (workerd) beside micromdm's
// scepserver (Debian `scep`, a peer started fresh for the run when installed), both on loopback,
// fed distinct pre-generated PKCSReq messages (RSA-2048 client keys, AES-128-CBC + SHA-256, POST,
// keep-alive) at each concurrency, every CertRep verified. Levels alternate between the two
// servers so that both see the same load on a shared machine.
//
//   npm run bench -- [--n 500] [--concurrency 1,8,32] [--keys 16] [--peer auto|off] [--no-build] [--timeout 1200] [--profile]
//
// Per level and server: ok/failed, enrollments/s, p50/p99 latency, the server processes' CPU per
// request (/proc utime+stime: workerd, or scepserver), its ratio to the floor and to micromdm's,
// duplicate serials. Then the floor (three RSA-2048 private-key operations) and the pipeline
// alone, measured in alternating batches in this process, and the runtime's own cost per request
// (GetCACaps: no crypto, no storage). Inside workerd, a driver Worker measures the same floor and
// the pipeline with the ledger stubbed and with the real Durable Object, so the workerd figure is
// attributed part by part; --profile adds a V8 CPU profile of the Worker's isolate at c=1 (self
// time per function, ms per enrollment). scepserver listens on every interface, so the run moves into
// a private network namespace with only loopback (root and `unshare`), or runs without the peer.
import { generateKeyPair } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { keyFromPem, type ClientKey } from "../src/client/certificates";
import { discoverCa } from "../src/client/discovery";
import { buildMessages, runLevel, type LevelResult, type Target } from "./lib/enroll-load";
import { scepserverInstalled, startScepserver, type RunningPeer } from "./lib/micromdm";
import { reenterInLoopbackNamespace } from "./lib/netns";
import { pipelineFigures } from "./lib/pipeline-cpu";
import { workerdFigures, type WorkerdFigures } from "./lib/workerd-pipeline";
import { profileIsolates, selfTimeBy } from "./lib/workerd-profile";
import { cpuMsOf, readStat, servingPids } from "./lib/proc-cpu";
import { intArgument, parseCommandLine, usageExit } from "./lib/cli";
import { createTestCa } from "./lib/test-ca";
import { buildWorker, REPO_ROOT, startWorker, type RunningWorker } from "./lib/worker-server";

const HELP = `Usage: npm run bench -- [--n 500] [--concurrency 1,8,32] [--keys 16] [--peer auto|off] [--timeout 1200] [--no-build] [--profile]

Enrollment benchmark: the built Worker (Miniflare on 127.0.0.1) beside micromdm's scepserver (Debian
scep, when installed; run as root so it can be confined to a private loopback namespace), the same
distinct pre-generated PKCSReq messages at each concurrency, every CertRep verified. Prints
enrollments/s, p50/p99, CPU per enrollment and its ratio to the RSA floor and to micromdm, then the
attribution of the Worker's CPU (runtime, pipeline, floor, ledger).
  --n N                 messages per level and server (50-5000, default 500)
  --concurrency LIST    comma list (each 1-64, default 1,8,32)
  --keys N              client keys to share between messages (1-256, default 16)
  --peer auto|off       start micromdm's scepserver when installed (default auto)
  --timeout SECONDS     hard limit for the whole run (30-3600, default 1200)
  --no-build            serve the existing dist/ instead of building
  --profile             add a V8 CPU profile of the Worker's isolate at c=1
  -h, --help            this text`;

const { values, positionals } = parseCommandLine("bench", HELP, {
  n: { type: "string" },
  concurrency: { type: "string" },
  keys: { type: "string" },
  peer: { type: "string" },
  timeout: { type: "string" },
  "no-build": { type: "boolean" },
  profile: { type: "boolean" },
});
if (positionals.length) usageExit("bench", `unexpected argument ${positionals[0]}`);
if (values.peer !== undefined && values.peer !== "auto" && values.peer !== "off") usageExit("bench", "--peer must be auto or off");
const N = intArgument("bench", values.n, "n", 500, 50, 5000);
const LEVELS = (values.concurrency ?? "1,8,32").split(",").map((s) => intArgument("bench", s, "concurrency", 1, 1, 64));
const KEYS = intArgument("bench", values.keys, "keys", 16, 1, 256);
const TIMEOUT_S = intArgument("bench", values.timeout, "timeout", 1200, 30, 3600);
const CHALLENGE = `bench-${crypto.randomUUID()}`;
const PEER_PORT = 18080;
const INSPECTOR_PORT = 20_000 + Math.floor(Math.random() * 20_000);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

// The Worker's log lines arrive on our stdout through Miniflare: count them, print the rest.
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
const out = (s = "") => realWrite(`${s}\n`);

let worker: RunningWorker | undefined;
let peer: RunningPeer | undefined;
const stopAll = () => Promise.all([worker?.stop(), peer?.stop()]);
const hard = setTimeout(() => {
  console.error(`bench: hard timeout of ${TIMEOUT_S} s reached, stopping`);
  void Promise.race([stopAll(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(124));
}, TIMEOUT_S * 1000);
hard.unref();

async function main(): Promise<void> {
  const script = values["no-build"] ? resolve(REPO_ROOT, "dist/index.js") : await buildWorker();
  let peerNote = "off (--peer off)";
  if (values.peer !== "off") {
    if (!scepserverInstalled()) peerNote = "not installed (apt-get install scep)";
    else if ((await reenterInLoopbackNamespace(["--no-build"])) === "inside") peerNote = "";
    else peerNote = "needs root and unshare (it listens on every interface): not started";
  }
  out(`# npm run bench: N=${N} per level and server, concurrency ${LEVELS.join(",")}, ${KEYS} RSA-2048 client keys, AES-128-CBC + SHA-256, POST`);
  out(`# machine: ${availableParallelism()} cpus, loadavg ${load()}, ${process.version}`);

  const ca = await createTestCa({ cn: "Bench CA" });
  try {
    worker = await startWorker({
      scriptPath: script,
      bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CERT_VALIDITY_DAYS: "30" },
      ...(values.profile ? { inspectorPort: INSPECTOR_PORT } : {}),
    });
    const workerdPids = servingPids();
    if (!peerNote) peer = await startScepserver({ challenge: CHALLENGE, port: PEER_PORT });
    out(
      `# Worker ${worker.url} (workerd pids ${workerdPids.join(",")}); micromdm: ${peer ? `${peer.version} at ${peer.url} (pid ${peer.pid})` : peerNote}`,
    );

    const genKey = promisify(generateKeyPair);
    const keys: ClientKey[] = await Promise.all(
      Array.from({ length: KEYS }, async () => {
        const { privateKey } = await genKey("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
        return keyFromPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString());
      }),
    );
    const target = async (name: string, url: string, pids: number[]): Promise<Target> => {
      const disc = await discoverCa({ url });
      return { name, url, pids, recipients: disc.recipients, caDers: disc.certs.map((c) => c.der), challenge: CHALLENGE, serials: new Set() };
    };
    const targets = [await target("Worker", worker.url, workerdPids)];
    if (peer) targets.push(await target("micromdm", peer.url, [peer.pid]));
    for (const t of targets) await runLevel(t, await buildMessages(t, keys, 6, "warmup"), 1); // JIT, CA key import

    const rows: LevelResult[] = [];
    for (const c of LEVELS) {
      for (const t of targets) {
        const messages = await buildMessages(t, keys, N, `${t.name}-c${c}`);
        await new Promise((r) => setTimeout(r, 200));
        rows.push(await runLevel(t, messages, c));
        const last = rows.at(-1)!;
        for (const [why, count] of last.failures) out(`#   ${t.name} c=${c} failed x${count}: ${why}`);
      }
      out(`# c=${c} done; loadavg ${load()}`);
    }

    // What the local runtime costs per request (Miniflare's entry worker, HTTP, routing).
    const capsCpu0 = cpuMsOf(workerdPids.filter((p) => readStat(p)));
    for (let i = 0; i < 400; i++) await (await fetch(`${worker.url}?operation=GetCACaps`)).text();
    const baseline = (cpuMsOf(workerdPids) - capsCpu0) / 400;
    const figures = await pipelineFigures(ca, CHALLENGE, await buildMessages(targets[0]!, keys, 20 + 10 * 25, "inproc"));
    const profile = values.profile ? await profileC1(targets[0]!, keys) : undefined;
    await worker.stop();
    worker = undefined;
    const inWorkerd = await workerdFigures(
      ca,
      CHALLENGE,
      await buildMessages(targets[0]!, keys, 5 + 10 * 40, "wd-stub"),
      await buildMessages(targets[0]!, keys, 5 + 10 * 40, "wd-do"),
    );
    print(rows, figures, baseline, inWorkerd);
    if (profile) printProfile(profile);
  } finally {
    await stopAll();
    await ca.cleanup();
  }
}

/** A V8 CPU profile of the Worker's isolate (and its Durable Object's) over 200 enrollments at c=1. */
async function profileC1(t: Target, keys: ClientKey[]): Promise<{ perFunction: Map<string, number>; n: number }> {
  const n = 200;
  const messages = await buildMessages(t, keys, n, "profile");
  const profiles = await profileIsolates(INSPECTOR_PORT, ["core:user:"], async () => {
    await runLevel(t, messages, 1);
  });
  const profile = profiles.get("core:user:");
  if (!profile) throw new Error("no profile of the Worker's isolate");
  const perFunction = selfTimeBy(
    profile,
    (f) => `${f.functionName || "(anonymous)"}${f.url ? ` ${f.url.split("/").at(-1)}:${f.lineNumber + 1}` : ""}`,
  );
  return { perFunction, n };
}

function printProfile({ perFunction, n }: { perFunction: Map<string, number>; n: number }): void {
  const busy = [...perFunction].filter(([name]) => !name.startsWith("(idle)"));
  const total = busy.reduce((a, [, ms]) => a + ms, 0);
  out("");
  out(
    `CPU profile of the Worker's isolate, c=1, ${n} enrollments: ${(total / n).toFixed(2)} ms per enrollment on the isolate's thread; top self time:`,
  );
  for (const [name, ms] of busy.sort((a, b) => b[1] - a[1]).slice(0, 15))
    out(`  ${(ms / n).toFixed(3)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${name}`);
}

function print(rows: LevelResult[], f: Awaited<ReturnType<typeof pipelineFigures>>, baseline: number, wd: WorkerdFigures): void {
  const floor = f.floor.median;
  const peerAt = (c: number) => rows.find((r) => r.server === "micromdm" && r.concurrency === c);
  const head = ["server", "conc", "ok", "failed", "enroll/s", "p50 ms", "p99 ms", "CPU ms/req", "× floor", "× micromdm", "dup serials"];
  const table = rows.map((r) => {
    const p = peerAt(r.concurrency);
    return [
      r.server,
      String(r.concurrency),
      `${r.ok}/${r.n}`,
      String(r.n - r.ok),
      ((r.ok * 1000) / r.wallMs).toFixed(1),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      r.cpuPerEnrollment.toFixed(2),
      (r.cpuPerEnrollment / floor).toFixed(2),
      p ? (r.cpuPerEnrollment / p.cpuPerEnrollment).toFixed(2) : "–",
      String(r.duplicates),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  out("");
  out(line(head));
  out(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of table) out(line(r));
  out("");
  out(
    `floor = 3 RSA-2048 private-key operations (node:crypto, this process): ${floor.toFixed(3)} ms CPU (median of batches; least disturbed ${f.floor.min.toFixed(3)})`,
  );
  out(
    `pipeline alone (handlePkiOperation in-process, ledger stubbed, no HTTP): ${f.pipeline.median.toFixed(3)} ms CPU (least disturbed ${f.pipeline.min.toFixed(3)}) = ${f.ratio.median.toFixed(2)} × floor (paired batches ${f.ratio.min.toFixed(2)}–${f.ratio.max.toFixed(2)})`,
  );
  out(`runtime per request (GetCACaps: Miniflare's entry worker, HTTP, routing; no crypto, no storage): ${baseline.toFixed(2)} ms workerd CPU`);
  out(
    `inside workerd (a driver Worker, 40 items per request, means of 10 batches): floor ${wd.floor.toFixed(3)} ms, pipeline with the ledger stubbed ${wd.pipeline.toFixed(3)} ms (${(wd.pipeline / wd.floor).toFixed(2)} × that floor), with the ledger Durable Object ${wd.pipelineWithLedger.toFixed(3)} ms`,
  );
  const c1 = rows.find((r) => r.server === "Worker" && r.concurrency === 1);
  if (c1) {
    const ledger = wd.pipelineWithLedger - wd.pipeline;
    const rest = c1.cpuPerEnrollment - baseline - wd.pipelineWithLedger;
    out(
      `attribution at c=1: ${c1.cpuPerEnrollment.toFixed(2)} ms = runtime ${baseline.toFixed(2)} + pipeline ${wd.pipeline.toFixed(2)} (of which the floor ${wd.floor.toFixed(2)}) + ledger RPC and SQL ${ledger.toFixed(2)} + the rest ${rest.toFixed(2)} (body read, config and routing, the log line, measurement noise)`,
    );
  }
  out(`CPU ms/req = the server's processes (workerd; scepserver) / requests sent; × floor = that / the floor; ${workerLogLines} Worker log lines.`);
  out(`loadavg now ${load()}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench failed: ${(e as Error).stack ?? e}`);
    void Promise.race([stopAll(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(1));
  },
);
