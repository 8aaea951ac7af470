// What an unauthenticated request can make the Worker spend: each hostile input of
// scripts/lib/hostile-cases.ts (and a few legitimate rows for scale) fired at the built Worker
// under Miniflare on 127.0.0.1, with the workerd CPU per request from /proc and its ratio to a
// plain wrong-challenge refusal (the target: no row above 2x). Every answer is checked against
// what the row expects; a mismatch is printed, never hidden.
//
//   npm run bench:hostile -- [--n 60] [--rounds 3] [--concurrency 4] [--no-build] [--no-big-key] [--timeout 900]
//
// The table is measured on a Worker without the Rate Limiting bindings: our code's own cost.
// Miniflare simulates each limit() call with a Durable Object and SQLite, which costs workerd CPU
// that Cloudflare's in-memory counters do not; two last rows, on a second Worker with the bindings
// of wrangler.toml, show that cost and the 429 a client past the failure limit gets. Every request
// carries its own CF-Connecting-IP (Miniflare keeps a client's) except in the 429 row.
// CPU is what the serving workerd process(es) used during a row, divided by its requests; rows
// are measured in `--rounds` interleaved rounds and shown as min–max, since the machine is shared.
import { generateKeyPairSync } from "node:crypto";
import { loadavg } from "node:os";
import { keyFromPem } from "../src/client/certificates";
import { discoverCa } from "../src/client/discovery";
import { encodeBase64 } from "../src/asn1/base64";
import { MessageType } from "../src/scep/oids";
import { bytesToHex } from "../src/util/bytes";
import { hostileCases, wrongChallenge, type HostileCase } from "./lib/hostile-cases";
import { hostileCsr, hostileMessage, issuerAndSerial, signerCertificate, type HostileTarget } from "./lib/hostile-scep";
import { spkiOfPrivateKey } from "../src/crypto/keys";
import { answerOf, describeAnswer, matches } from "./lib/hostile-answer";
import { cpuMsOf, servingPids } from "./lib/proc-cpu";
import { intArgument, parseCommandLine, usageExit } from "./lib/cli";
import { createTestCa } from "./lib/test-ca";
import { buildWorker, startWorker, type RunningWorker } from "./lib/worker-server";

const HELP = `Usage: npm run bench:hostile -- [--n 60] [--rounds 3] [--concurrency 4] [--timeout 900] [--no-build] [--no-big-key]

What an unauthenticated request can make the Worker spend: each hostile input fired at the built
Worker (Miniflare on 127.0.0.1), workerd CPU per request and its ratio to a wrong-challenge refusal,
every answer checked against the refusal it should get.
  --n N                 requests per row and round (5-1000, default 60)
  --rounds N            interleaved rounds (1-10, default 3)
  --concurrency N       requests in flight (1-32, default 4)
  --timeout SECONDS     hard limit for the whole run (30-3600, default 900)
  --no-build            serve the existing dist/ instead of building
  --no-big-key          leave out the RSA-8192 row (its key takes a while to make)
  -h, --help            this text`;

const { values, positionals } = parseCommandLine("bench-hostile", HELP, {
  n: { type: "string" },
  rounds: { type: "string" },
  concurrency: { type: "string" },
  timeout: { type: "string" },
  "no-build": { type: "boolean" },
  "no-big-key": { type: "boolean" },
});
if (positionals.length) usageExit("bench-hostile", `unexpected argument ${positionals[0]}`);
const N = intArgument("bench-hostile", values.n, "n", 60, 5, 1000);
const ROUNDS = intArgument("bench-hostile", values.rounds, "rounds", 3, 1, 10);
const C = intArgument("bench-hostile", values.concurrency, "concurrency", 4, 1, 32);
const CHALLENGE = `hostile-bench-${bytesToHex(crypto.getRandomValues(new Uint8Array(8)))}`;
const out = (s = "") => process.stdout.write(`${s}\n`);

let worker: RunningWorker | undefined;
let limited: RunningWorker | undefined;
const stopAll = () => Promise.all([worker?.stop(), limited?.stop()]);
const hard = setTimeout(
  () => {
    console.error("bench:hostile: hard timeout, stopping");
    void Promise.race([stopAll(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(124));
  },
  intArgument("bench-hostile", values.timeout, "timeout", 900, 30, 3600) * 1000,
);
hard.unref();

let ipCounter = 0;
/** A fresh client address per request: 10.x.y.z, then 172.16–31 and so on (never a real client's). */
const nextIp = () => {
  const n = ipCounter++;
  return `10.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`;
};

interface Row {
  name: string;
  bytes: number;
  /** One body per request, or the same one repeated. */
  body: (i: number) => Uint8Array;
  get?: boolean;
  ip?: () => string;
  expect: HostileCase["expect"] | { http: 429; text: RegExp };
  cpu: number[];
  answer?: string;
  ok: boolean;
}

async function fire(url: string, row: Row, i: number): Promise<Response> {
  const headers = { "cf-connecting-ip": (row.ip ?? nextIp)() };
  const body = row.body(i);
  if (row.get) return fetch(`${url}?operation=PKIOperation&message=${encodeURIComponent(encodeBase64(body))}`, { headers });
  return fetch(`${url}?operation=PKIOperation`, { method: "POST", headers: { ...headers, "content-type": "application/x-pki-message" }, body });
}

async function measure(url: string, pids: number[], row: Row, n: number): Promise<void> {
  const cpu0 = cpuMsOf(pids);
  let next = 0;
  const answers: string[] = [];
  await Promise.all(
    Array.from({ length: Math.min(C, n) }, async () => {
      for (let i = next++; i < n; i = next++) {
        const res = await fire(url, row, i);
        const answer = await answerOf(res);
        if (i === 0 || !matches(answer, row.expect)) answers.push(describeAnswer(answer));
        if (!matches(answer, row.expect)) row.ok = false;
      }
    }),
  );
  row.cpu.push((cpuMsOf(pids) - cpu0) / n);
  row.answer ??= answers[0];
  if (!row.ok && answers.length > 1) row.answer = answers.find((a) => a !== answers[0]) ?? row.answer;
}

async function main(): Promise<void> {
  out(
    `# bench:hostile: ${N} requests per row and round, ${ROUNDS} rounds, concurrency ${C}; loadavg ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const script = values["no-build"] ? "dist/index.js" : await buildWorker();
  const ca = await createTestCa({ cn: "Hostile Bench CA" });
  try {
    const bindings = { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE };
    const noLimits = { AUTH_FAILURE_LIMITER: 0, INTUNE_CLIENT_LIMITER: 0, INTUNE_LIMITER: 0 };
    worker = await startWorker({ scriptPath: script, bindings, rateLimits: noLimits });
    const workerPids = servingPids();
    limited = await startWorker({ scriptPath: script, bindings });
    const limitedPids = servingPids().filter((p) => !workerPids.includes(p));
    const disc = await discoverCa({ url: worker.url });
    const pem = (bits: number) => generateKeyPairSync("rsa", { modulusLength: bits }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const t0 = performance.now();
    const target: HostileTarget = {
      recipient: disc.recipients[0]!,
      caSubjectDer: disc.ca.cert.subjectDer,
      key: keyFromPem(pem(2048)).handle,
      bigKey: values["no-big-key"] ? undefined : keyFromPem(pem(8192)).handle,
    };
    out(`# keys in ${((performance.now() - t0) / 1000).toFixed(1)} s (untimed)`);

    const fresh = (n: number) =>
      Array.from({ length: n }, () => hostileMessage(target, { data: hostileCsr({ key: target.key, challenge: CHALLENGE }) }));
    const successes = fresh(N * ROUNDS);
    // One enrollment first: its serial is what the GetCert row asks for.
    const signer = { certDer: signerCertificate(target.key, spkiOfPrivateKey(target.key)), key: target.key };
    const firstBody = hostileMessage(target, { data: hostileCsr({ key: target.key, challenge: CHALLENGE }), signer });
    const first = await fire(worker.url, { name: "", bytes: 0, body: () => firstBody, expect: { success: true }, cpu: [], ok: true }, 0);
    const issuedSerial = (await answerOf(first, signer)).serial;
    if (!issuedSerial) throw new Error("the first enrollment did not succeed");

    const baseline = wrongChallenge(target);
    const boxedIp = "192.0.2.1";
    const rows: Row[] = [
      row({ name: "a successful enrollment (for scale)", body: successes[0]!, expect: { success: true } }, () => successes.pop()!),
      row(baseline),
      row({ ...baseline, name: "a wrong challenge over GET", get: true }),
      ...hostileCases(target).map((c) => row(c)),
      row({
        name: "GetCert for an issued certificate (answered)",
        body: hostileMessage(target, { messageType: MessageType.GetCert, data: issuerAndSerial(target.caSubjectDer, hexBytes(issuedSerial)) }),
        expect: { success: true },
      }),
      row({
        name: "GetCRL (answered)",
        body: hostileMessage(target, { messageType: MessageType.GetCRL, data: issuerAndSerial(target.caSubjectDer, Uint8Array.of(1)) }),
        expect: { success: true },
      }),
    ];
    const limiterRows: Row[] = [
      row({ ...baseline, name: "a wrong challenge, counted by AUTH_FAILURE_LIMITER (Miniflare's simulation)" }),
      {
        ...row({ ...baseline, name: "any request from an IP past the failure limit" }),
        ip: () => boxedIp,
        expect: { http: 429, text: /too many failed/ },
      },
    ];
    // Put the 429 row's address past the limit first (the limit counts failures, not requests).
    for (let i = 0; i < 40; i++) await answerOf(await fire(limited.url, { ...limiterRows[1]!, expect: { success: true } }, i));

    for (let r = 0; r < ROUNDS; r++) {
      for (const x of rows) await measure(worker.url, workerPids, x, x.name.includes("8192") ? Math.max(5, Math.floor(N / 3)) : N);
      for (const x of limiterRows) await measure(limited.url, limitedPids, x, N);
      out(
        `# round ${r + 1}/${ROUNDS} done; loadavg ${loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}`,
      );
    }
    print([...rows, ...limiterRows], rows[1]!);
  } finally {
    await stopAll();
    await ca.cleanup();
  }
}

function row(c: Omit<HostileCase, "benchOnly">, body?: (i: number) => Uint8Array): Row {
  return { name: c.name, bytes: c.body.length, body: body ?? (() => c.body), get: c.get, expect: c.expect, cpu: [], ok: true };
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

function print(rows: Row[], baseline: Row): void {
  const base = Math.min(...baseline.cpu);
  const range = (v: number[]) =>
    Math.min(...v) === Math.max(...v) ? Math.min(...v).toFixed(2) : `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;
  out("");
  out("| input (unauthenticated) | bytes | answer | workerd CPU ms/request | × wrong challenge |");
  out("| --- | ---: | --- | ---: | ---: |");
  for (const r of rows) {
    const ratio = Math.min(...r.cpu) / base;
    out(
      `| ${r.name} | ${r.bytes.toLocaleString("en")} | ${r.ok ? "" : "**unexpected:** "}${r.answer ?? "?"} | ${range(r.cpu)} | ${ratio.toFixed(2)} |`,
    );
  }
  out("");
  out(
    `ratio = the row's lowest CPU / the baseline's lowest (the least disturbed measurement of each). loadavg now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const worst = rows.filter((r) => !/successful|answered/.test(r.name)).sort((a, b) => Math.min(...b.cpu) - Math.min(...a.cpu))[0]!;
  out(`costliest refused input: ${worst.name}: ${(Math.min(...worst.cpu) / base).toFixed(2)} x a wrong challenge`);
  const bad = rows.filter((r) => !r.ok);
  if (bad.length) out(`${bad.length} row(s) answered otherwise than expected: ${bad.map((r) => r.name).join("; ")}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench:hostile failed: ${(e as Error).stack ?? e}`);
    void Promise.race([stopAll(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(1));
  },
);
