// Issuance invariants under concurrency (docs/scep-clients.md §6: micromdm's file depot issues
// duplicate serials and fails requests at c=8..32). 300 distinct PKCSReqs at concurrency 32 against
// one Worker and its ledger Durable Object: every one succeeds, every serial is unique, and the admin
// API agrees (stats and a full cursor walk with pages of 100).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { summarizeCert } from "../../src/client/certificates";
import { AdminClient, ScepTestClient, keyPool, mapConcurrent, newAdminToken, normSerial, type BuiltRequest } from "./support/admin-client";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const TOTAL = 300;
const CONCURRENCY = 32;
const KEYS = 8;
const CHALLENGE = `conc-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();

let ca: TestCa;
let worker: RunningWorker;
let scep: ScepTestClient;
let admin: AdminClient;
let requests: BuiltRequest[];

describe("300 enrollments at concurrency 32", () => {
  beforeAll(async () => {
    ca = await createTestCa({ cn: "Ledger Concurrency Test CA" });
    worker = await startWorker({
      bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static", ADMIN_TOKEN: TOKEN },
    });
    scep = await ScepTestClient.connect(worker.url);
    admin = new AdminClient(worker.origin, TOKEN);
    // Pre-generated, untimed: 8 RSA-2048 keys shared round-robin; each message has its own CSR
    // subject and transactionID, so the 300 requests are distinct for the ledger.
    const keys = keyPool(KEYS);
    const t0 = performance.now();
    requests = Array.from({ length: TOTAL }, (_, i) =>
      scep.pkcsReq({
        key: keys[i % KEYS]!,
        cn: `conc-${String(i).padStart(3, "0")}`,
        challenge: CHALLENGE,
        transactionId: `conc-${i}-${crypto.randomUUID()}`,
      }),
    );
    console.log(`[concurrency] built ${TOTAL} PKCSReq messages in ${Math.round(performance.now() - t0)} ms (untimed)`);
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await ca?.cleanup();
  });

  test("all 300 succeed with 300 unique serials; /admin/stats and a paged listing agree", async () => {
    const latencies: number[] = [];
    const failures: string[] = [];
    const t0 = performance.now();
    const results = await mapConcurrent(requests, CONCURRENCY, async (req, i) => {
      const started = performance.now();
      try {
        const r = await scep.send(req);
        latencies.push(performance.now() - started);
        if (r.status !== PkiStatus.SUCCESS) failures.push(`#${i}: status ${r.status} failInfo ${r.failInfo} ${r.failInfoText ?? ""}`);
        return r;
      } catch (e) {
        failures.push(`#${i}: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    });
    const elapsed = performance.now() - t0;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN);
    console.log(
      `[concurrency] ${TOTAL} enrollments at c=${CONCURRENCY}: ${Math.round(elapsed)} ms, ${(TOTAL / (elapsed / 1000)).toFixed(1)}/s, ` +
        `p50 ${pct(50)} ms, p99 ${pct(99)} ms, failures ${failures.length}`,
    );
    expect(failures, failures.slice(0, 10).join("\n")).toEqual([]);

    const certs = results.map((r) => r!.certificates[0]!);
    expect(certs).toHaveLength(TOTAL);
    const summaries = certs.map((der) => summarizeCert(der));
    const serials = new Set(summaries.map((s) => normSerial(s.serialHex)));
    expect(serials.size).toBe(TOTAL);
    // Each reply carries the certificate for its own request.
    for (const [i, s] of summaries.entries()) expect(s.subject).toBe(`CN=conc-${String(i).padStart(3, "0")}`);

    const stats = await admin.stats();
    expect(stats.certificates).toBe(TOTAL);
    expect(stats.valid).toBe(TOTAL);
    expect(stats.pending).toBe(0);

    const listed = await admin.listAll({}, 100);
    expect(listed.pages).toBe(3);
    const listedSerials = new Set(listed.items.map((c) => normSerial(c.serial)));
    expect(listed.items).toHaveLength(TOTAL);
    expect(listedSerials.size).toBe(TOTAL);
    expect([...listedSerials].sort()).toEqual([...serials].sort());
    const txs = new Set(listed.items.map((c) => c.transactionId));
    expect(txs).toEqual(new Set(requests.map((r) => r.transactionId)));
  }, 240_000);
});
