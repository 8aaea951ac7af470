// OCSP benchmark of the built Worker served by Miniflare (workerd) on 127.0.0.1: cached and uncached
// answers per second, p50/p99 latency, workerd CPU per response, and the same for malformed and
// hostile requests. Per scenario it also reads the admin stats before and after, so each row says
// how many ledger reads and signatures a response cost (a cached answer should cost none of the
// latter; with OCSP_REVISION_TTL_SECONDS > 0 none of the former either).
//
//   npm run bench:ocsp -- [--n 1000] [--concurrency 1,8,32] [--serials 32] [--timeout 300] [--no-build]
//
// Loopback only, bounded: --n <= 20000, concurrency <= 64, a hard overall --timeout.
import { availableParallelism, loadavg } from "node:os";
import { X509Certificate } from "node:crypto";
import { newRsaKey, summarizeCert } from "../src/client/certificates";
import { buildCsr } from "../src/client/csr-builder";
import { discoverCa } from "../src/client/discovery";
import { buildRequest, openCertRep, randomOctets, selfSigned } from "../src/client/enrollment";
import { sendPkiOperation } from "../src/client/scep-client";
import { parseCertView } from "../src/x509/cert-view";
import { certIdDer, ocspGetPath, ocspRequestDer, type OcspIssuerInput } from "./lib/ocsp-request";
import { parseCommandLine, usageExit } from "./lib/cli";
import { createTestCa, type TestCa } from "./lib/test-ca";
import { buildWorker, startWorker, type RunningWorker } from "./lib/worker-server";
import { type Row, run, type Shot, timed } from "./lib/ocsp-load";
import { cachedHitCpu, fetchObjectsCpu, inProcessFigures } from "./lib/ocsp-in-process";
import { hostileRequests } from "./lib/ocsp-hostile";

const HELP = `Usage: npm run bench:ocsp -- [--n 1000] [--concurrency 1,8,32] [--serials 32] [--timeout 300] [--no-build]

OCSP benchmark of the built Worker (Miniflare on 127.0.0.1): cached and uncached answers per
second, latency, workerd CPU per response, ledger reads and signatures per response. Not a test.
  --n N                 requests per level (10-20000, default 1000)
  --concurrency LIST    comma list (each 1-64, default 1,8,32)
  --serials N           certificates enrolled to query (1-256, default 32)
  --timeout SECONDS     hard limit for the whole run (10-3600, default 300)
  --no-build            serve the existing dist/ instead of building
  -h, --help            this text`;

const { values, positionals } = parseCommandLine("bench:ocsp", HELP, {
  n: { type: "string", default: "1000" },
  concurrency: { type: "string", default: "1,8,32" },
  serials: { type: "string", default: "32" },
  timeout: { type: "string", default: "300" },
  "no-build": { type: "boolean", default: false },
});
if (positionals.length) usageExit("bench:ocsp", `unexpected argument ${positionals[0]}`);
const clamp = (s: string, lo: number, hi: number, name: string) => {
  const v = Number(s);
  if (!Number.isInteger(v) || v < lo || v > hi) usageExit("bench:ocsp", `${name} must be an integer from ${lo} to ${hi}`);
  return v;
};
const N = clamp(values.n!, 10, 20000, "--n");
const LEVELS = values.concurrency!.split(",").map((s) => clamp(s, 1, 64, "--concurrency"));
const SERIALS = clamp(values.serials!, 1, 256, "--serials");
const TIMEOUT_S = clamp(values.timeout!, 10, 3600, "--timeout");
const CHALLENGE = `bench-${crypto.randomUUID()}`;
const TOKEN = `bench-${Buffer.from(randomOctets(24)).toString("hex")}`;
const out = (s = "") => process.stdout.write(s + "\n");

// The Worker's own log lines come through Miniflare: keep them out of the report.
const quiet = () => {};
let worker: RunningWorker | undefined;
setTimeout(() => {
  console.error(`bench:ocsp: hard timeout of ${TIMEOUT_S} s reached`);
  void Promise.race([worker?.stop(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(124));
}, TIMEOUT_S * 1000).unref();

/** SERIALS certificates issued over SCEP (the project's client), their serials as the ledger writes them. */
async function enrollSerials(w: RunningWorker): Promise<string[]> {
  const ca = await discoverCa({ url: w.url });
  const caDers = ca.certs.map((c) => c.der);
  const keys = [newRsaKey(), newRsaKey()];
  const serials: string[] = [];
  for (let i = 0; i < SERIALS; i++) {
    const key = keys[i % keys.length]!;
    const subject = { commonName: `ocsp-bench-${i}` };
    const req = buildRequest({
      csrDer: buildCsr({ key: key.handle, subject, challenge: CHALLENGE, hash: "sha256" }),
      signer: selfSigned(key.handle, subject),
      recipients: ca.recipients,
      cipher: "aes-128-cbc",
      hash: "sha256",
      transactionId: Buffer.from(randomOctets(16)).toString("hex"),
    });
    const res = await sendPkiOperation({ url: w.url }, req.der, "POST");
    const rep = openCertRep(new Uint8Array(await res.arrayBuffer()), req, caDers);
    if (!rep.certificates[0]) throw new Error(`enrollment ${i} failed: ${rep.failInfoText ?? rep.status}`);
    serials.push(summarizeCert(rep.certificates[0]).serialHex);
  }
  return serials;
}

const randomSerial = () =>
  `7F${Buffer.from(crypto.getRandomValues(new Uint8Array(15)))
    .toString("hex")
    .toUpperCase()}`;

async function scenarios(ca: TestCa, ttl: string, rows: Row[]): Promise<void> {
  const script = values["no-build"] ? "dist/index.js" : await buildWorker();
  worker = await startWorker({
    scriptPath: script,
    onLog: quiet,
    bindings: {
      CA_CERT: ca.certPem,
      CA_KEY: ca.keyPem,
      SCEP_CHALLENGE: CHALLENGE,
      CHALLENGE_MODE: "static",
      ADMIN_TOKEN: TOKEN,
      PUBLIC_BASE_URL: "https://ocsp.bench.test",
      OCSP_REVISION_TTL_SECONDS: ttl,
    },
  });
  const w = worker;
  const view = parseCertView(new Uint8Array(new X509Certificate(ca.certPem).raw));
  const issuer: OcspIssuerInput = { subjectDer: view.subjectDer, spkiDer: view.spkiDer };
  const serials = await enrollSerials(w);
  const url = `${w.origin}/ocsp`;
  const single = serials.map((s) => ocspRequestDer([certIdDer(issuer, s)]));
  const paths = single.map(ocspGetPath);
  const good = (s: Shot) => s.status === 200 && s.first === 0;
  const mode = ttl === "0" ? "strict" : `ttl ${ttl}s`;
  // Warm: one answer per serial signed and cached, the responder issued, the isolate hot.
  for (const p of paths) await fetch(w.origin + p).then((r) => r.arrayBuffer());
  for (const c of LEVELS) {
    rows.push(await run(w.origin, TOKEN, `cached GET (${mode})`, c, N, (i) => timed(() => fetch(w.origin + paths[i % paths.length]!)), good));
  }
  if (ttl !== "0") return;
  for (const c of LEVELS) {
    rows.push(
      await run(
        w.origin,
        TOKEN,
        "cached POST (strict)",
        c,
        N,
        (i) => timed(() => fetch(url, { method: "POST", body: single[i % single.length]! })),
        good,
      ),
    );
  }
  const few = Math.min(N, 500);
  for (const c of LEVELS.slice(0, 2)) {
    rows.push(
      await run(
        w.origin,
        TOKEN,
        "uncached: nonce",
        c,
        few,
        (i) =>
          timed(() =>
            fetch(url, {
              method: "POST",
              body: ocspRequestDer([certIdDer(issuer, serials[i % serials.length]!)], crypto.getRandomValues(new Uint8Array(32))),
            }),
          ),
        good,
      ),
    );
    rows.push(
      await run(
        w.origin,
        TOKEN,
        "uncached: miss (new serial)",
        c,
        few,
        () => timed(() => fetch(url, { method: "POST", body: ocspRequestDer([certIdDer(issuer, randomSerial())]) })),
        good,
      ),
    );
  }
  for (const h of hostileRequests(issuer)) {
    rows.push(
      await run(
        w.origin,
        TOKEN,
        `hostile: ${h.name}`,
        8,
        few,
        () => timed(() => fetch(url, { method: "POST", body: h.body })),
        (s) => s.status === h.expectStatus && (h.expectOcsp === undefined || s.first === h.expectOcsp),
      ),
    );
  }
  rows.push(
    await run(
      w.origin,
      TOKEN,
      "baseline: 404 (no OCSP)",
      8,
      few,
      () => timed(() => fetch(`${w.origin}/crl/00000000000000000000000000000000`)),
      (s) => s.status === 404,
    ),
  );
  await w.stop();
  worker = undefined;
}

async function main(): Promise<void> {
  const started = performance.now();
  out(`# scripts/bench-ocsp.ts: N=${N}, concurrency ${LEVELS.join(",")}, ${SERIALS} issued serials, loopback, keep-alive`);
  out(
    `# machine: ${availableParallelism()} cpus, loadavg ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}, ${process.version}`,
  );
  const ca = await createTestCa({ cn: "OCSP Bench CA" });
  const rows: Row[] = [];
  try {
    await scenarios(ca, "0", rows);
    await scenarios(ca, "60", rows);
    const inProc = {
      ...inProcessFigures(ca),
      "handleOcsp for a cached good, strict mode, in-memory cache": await cachedHitCpu(ca, N),
      "of which Node's Request/Response objects (native in workerd)": await fetchObjectsCpu(N),
    };
    const baseline = rows.find((r) => r.scenario.startsWith("baseline"))?.cpu ?? 0;
    const head = [
      "scenario",
      "conc",
      "ok",
      "resp/s",
      "p50 ms",
      "p99 ms",
      "workerd CPU ms/resp",
      "minus baseline",
      "ledger reads/resp",
      "signatures/resp",
    ];
    const cells = rows.map((r) => [
      r.scenario,
      String(r.conc),
      `${r.ok}/${r.n}`,
      r.rps.toFixed(0),
      r.p50.toFixed(2),
      r.p99.toFixed(2),
      r.cpu.toFixed(3),
      Math.max(0, r.cpu - baseline).toFixed(3),
      r.ledger.toFixed(2),
      r.signed.toFixed(2),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    const line = (c: string[]) => `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(" | ")} |`;
    out("");
    out(line(head));
    out(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const c of cells) out(line(c));
    out("");
    out(`baseline = workerd CPU of a request that the Worker answers 404 without OCSP work (runtime, HTTP, routing): ${baseline.toFixed(3)} ms.`);
    out(
      `workerd CPU includes the ledger Durable Object (same process under Miniflare); "ledger reads" = revision + status reads per response; "signatures" = OCSP responses signed.`,
    );
    for (const [k, v] of Object.entries(inProc)) out(`in-process (node, ${k}): ${v}`);
    out(
      `node CPU of this process (load generator + Miniflare) is not counted. Total ${((performance.now() - started) / 1000).toFixed(1)} s; loadavg ${loadavg()
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
    console.error(`bench:ocsp failed: ${(e as Error).stack ?? e}`);
    void Promise.race([worker?.stop(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(1));
  },
);
