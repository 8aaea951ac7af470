// The admin API over HTTP (src/admin/routes.ts): bearer-token auth, error shapes for bad input,
// and one-time challenges (CHALLENGE_MODE includes one-time; RFC 8894 §7.3 single use, stored hashed).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import { summarizeCert } from "../../src/client/certificates";
import { AdminClient, ScepTestClient, keyPool, newAdminToken, type ClientKey } from "./support/admin-client";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `admin-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();

let ca: TestCa;
let keys: ClientKey[];

beforeAll(async () => {
  ca = await createTestCa({ cn: "Admin API Test CA" });
  keys = keyPool(2);
});
afterAll(async () => {
  await ca?.cleanup();
});

describe("authentication and input errors", () => {
  let worker: RunningWorker;
  let admin: AdminClient;
  let scep: ScepTestClient;

  beforeAll(async () => {
    worker = await startWorker({
      bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static", ADMIN_TOKEN: TOKEN },
    });
    admin = new AdminClient(worker.origin, TOKEN);
    scep = await ScepTestClient.connect(worker.url);
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("missing token -> 401, wrong token -> 401, right token -> 200; no response echoes the token", async () => {
    const missing = await admin.request("GET", "/admin/stats", { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: "unauthorized" });
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer /);

    const wrongToken = `${TOKEN.slice(0, -1)}${TOKEN.endsWith("0") ? "1" : "0"}`;
    const wrong = await admin.request("GET", "/admin/stats", { token: wrongToken });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain(wrongToken);
    expect(wrong.text).not.toContain(TOKEN);

    const notBearer = await admin.request("GET", "/admin/stats", { token: null, headers: { authorization: `Basic ${TOKEN}` } });
    expect(notBearer.status).toBe(401);
    const shorter = await admin.request("GET", "/admin/stats", { token: TOKEN.slice(0, 16) });
    expect(shorter.status).toBe(401);

    const ok = await admin.request("GET", "/admin/stats");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^application\/json/);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    expect(ok.body).toMatchObject({ certificates: 0, pending: 0 });

    for (const r of [missing, wrong, notBearer, shorter, ok]) {
      expect(r.text).not.toContain(TOKEN);
      expect(r.text).not.toContain(TOKEN.slice(4, 20));
    }
  });

  test("bad inputs: bad reason 400, unknown serial 404, bad JSON 400, unknown route 404, bad query 400", async () => {
    const req = scep.pkcsReq({ key: keys[0]!, cn: "admin-inputs", challenge: CHALLENGE });
    const r = await scep.send(req);
    expect(r.status).toBe(PkiStatus.SUCCESS);
    const serial = summarizeCert(r.certificates[0]!).serialHex;

    const badReason = await admin.request("POST", `/admin/certificates/${serial}/revoke`, { body: { reason: "becauseISaidSo" } });
    expect(badReason.status).toBe(400);
    expect(badReason.body).toMatchObject({ error: "bad_reason" });
    const badReasonNumber = await admin.request("POST", `/admin/certificates/${serial}/revoke`, { body: { reason: 7 } });
    expect(badReasonNumber.status).toBe(400);

    const unknownRevoke = await admin.request("POST", "/admin/certificates/0123456789ABCDEF/revoke", { body: { reason: "keyCompromise" } });
    expect(unknownRevoke.status).toBe(404);
    expect(unknownRevoke.body).toMatchObject({ error: "not_found" });
    const unknownShow = await admin.request("GET", "/admin/certificates/0123456789ABCDEF");
    expect(unknownShow.status).toBe(404);

    const badJson = await admin.request("POST", `/admin/certificates/${serial}/revoke`, {
      rawBody: "{reason:",
      headers: { "content-type": "application/json" },
    });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ error: "bad_json" });
    const arrayJson = await admin.request("POST", "/admin/pending/approve", { rawBody: "[1,2]" });
    expect(arrayJson.status).toBe(400);

    const unknownRoute = await admin.request("GET", "/admin/nope");
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body).toMatchObject({ error: "not_found" });
    const wrongMethod = await admin.request("DELETE", "/admin/stats");
    expect(wrongMethod.status).toBe(404);

    expect((await admin.request("GET", "/admin/certificates?status=expired")).status).toBe(400);
    expect((await admin.request("GET", "/admin/certificates?limit=0")).status).toBe(400);
    expect((await admin.request("GET", "/admin/certificates?from=yesterday")).status).toBe(400);
    const missingTx = await admin.request("POST", "/admin/pending/approve", { body: {} });
    expect(missingTx.status).toBe(400);
    const notPending = await admin.request("POST", "/admin/pending/approve", { body: { transactionId: "never-seen" } });
    expect(notPending.status).toBe(409);
    // One-time challenges are off in this worker.
    expect((await admin.request("POST", "/admin/challenges", { body: {} })).status).toBe(409);

    // Nothing above changed the certificate.
    const shown = await admin.ok<{ serial: string; status: string; pem: string }>("GET", `/admin/certificates/${serial}`);
    expect(shown.status).toBe("valid");
    expect(shown.pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const pem = await admin.request("GET", `/admin/certificates/${serial.toLowerCase()}?format=pem`);
    expect(pem.status).toBe(200);
    expect(pem.text.replace(/\s+/g, "")).toBe(shown.pem.replace(/\s+/g, ""));
    const der = await fetch(`${worker.origin}/admin/certificates/${serial}?format=der`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(der.headers.get("content-type")).toBe("application/pkix-cert");
    expect(Buffer.from(await der.arrayBuffer()).equals(Buffer.from(r.certificates[0]!))).toBe(true);
  });

  test("without ADMIN_TOKEN the admin API is off: 404 admin_disabled, even with a token", async () => {
    const off = await startWorker({ bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static" } });
    try {
      const client = new AdminClient(off.origin, TOKEN);
      for (const [method, path] of [
        ["GET", "/admin/stats"],
        ["GET", "/admin/certificates"],
        ["POST", "/admin/challenges"],
      ] as const) {
        const r = await client.request(method, path);
        expect(r.status).toBe(404);
        expect(r.body).toMatchObject({ error: "admin_disabled" });
        expect(r.text).not.toContain(TOKEN);
      }
      expect((await client.request("GET", "/admin/stats", { token: null })).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});

describe("one-time challenges (CHALLENGE_MODE=static,one-time)", () => {
  let worker: RunningWorker;
  let admin: AdminClient;
  let scep: ScepTestClient;

  beforeAll(async () => {
    worker = await startWorker({
      bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static,one-time", ADMIN_TOKEN: TOKEN },
    });
    admin = new AdminClient(worker.origin, TOKEN);
    scep = await ScepTestClient.connect(worker.url);
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("a minted challenge enrolls once; the second use (new transaction and CSR) is refused", async () => {
    const minted = await admin.mintChallenge({ ttlSeconds: 600 });
    expect(minted.challenge).toMatch(/^otc_[A-Za-z0-9.-]{32}$/);
    expect(Date.parse(minted.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect((await admin.stats()).challengesOutstanding).toBe(1);

    const first = await scep.send(scep.pkcsReq({ key: keys[0]!, cn: "otc-first", challenge: minted.challenge }));
    expect(first.status).toBe(PkiStatus.SUCCESS);
    expect((await admin.stats()).challengesOutstanding).toBe(0);

    const second = await scep.send(scep.pkcsReq({ key: keys[1]!, cn: "otc-second", challenge: minted.challenge }));
    expect(second.status).toBe(PkiStatus.FAILURE);
    expect(second.failInfo).toBe(FailInfo.badRequest);
    expect((await admin.listAll({ subject: "otc-second" })).items).toHaveLength(0);
  });

  test("subject binding: minted for CN=alpha, refused for CN=beta, then accepted for CN=alpha", async () => {
    const minted = await admin.mintChallenge({ subject: "CN=alpha" });
    expect(minted.subject).toBe("CN=alpha");
    const beta = await scep.send(scep.pkcsReq({ key: keys[0]!, cn: "beta", challenge: minted.challenge }));
    expect(beta.status).toBe(PkiStatus.FAILURE);
    expect(beta.failInfo).toBe(FailInfo.badRequest);
    // A refused use does not consume it.
    const alpha = await scep.send(scep.pkcsReq({ key: keys[0]!, cn: "alpha", challenge: minted.challenge }));
    expect(alpha.status).toBe(PkiStatus.SUCCESS);
    expect(summarizeCert(alpha.certificates[0]!).subject).toBe("CN=alpha");
  });

  test("an unknown otc_ challenge is refused; the static challenge still works", async () => {
    const unknown = await scep.send(scep.pkcsReq({ key: keys[1]!, cn: "otc-unknown", challenge: "otc_ThisWasNeverMintedByTheAdminApi0" }));
    expect(unknown.status).toBe(PkiStatus.FAILURE);
    expect(unknown.failInfo).toBe(FailInfo.badRequest);
    const viaStatic = await scep.send(scep.pkcsReq({ key: keys[1]!, cn: "otc-static", challenge: CHALLENGE }));
    expect(viaStatic.status).toBe(PkiStatus.SUCCESS);
  });

  test("ttl bounds and input checks; a minted challenge is never readable back through the admin API", async () => {
    expect((await admin.request("POST", "/admin/challenges", { body: { ttlSeconds: 59 } })).status).toBe(400);
    expect((await admin.request("POST", "/admin/challenges", { body: { ttlSeconds: 8 * 86400 } })).status).toBe(400);
    expect((await admin.request("POST", "/admin/challenges", { body: { subject: 42 } })).status).toBe(400);
    const noToken = await admin.request("POST", "/admin/challenges", { body: {}, token: null });
    expect(noToken.status).toBe(401);

    const minted = await admin.mintChallenge({ ttlSeconds: 60, subject: "CN=kept-secret" });
    const secretPart = minted.challenge.slice(4);
    const reads = await Promise.all([
      admin.request("GET", "/admin/stats"),
      admin.request("GET", "/admin/certificates?limit=200"),
      admin.request("GET", "/admin/pending"),
      admin.request("GET", `/admin/certificates?subject=${encodeURIComponent("kept-secret")}`),
    ]);
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(r.text).not.toContain(secretPart);
    }
    expect((reads[0]!.body as { challengesOutstanding: number }).challengesOutstanding).toBeGreaterThanOrEqual(1);
    const route = await admin.request("GET", "/admin/challenges");
    expect(route.status).toBe(404);
    expect(route.text).not.toContain(secretPart);
  });
});
