// OCSP against the built Worker under Miniflare, with `openssl ocsp` (OpenSSL 3) as the client and
// the verifier: good, revoked with its reason, unknown, GET and POST, with and without a nonce,
// every response verified against the CA (-CAfile) and the delegated responder certificate
// checked; a revocation followed at once by a query answers revoked; malformed and foreign
// requests; the OCSP URL in issued certificates; the counters in the admin stats.
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { certPem, newRsaKey } from "../../src/client/certificates";
import { PkiStatus } from "../../src/scep/oids";
import { AdminClient, newAdminToken, normSerial, openssl, ScepTestClient } from "./support/admin-client";
import { getOcsp, ocspRequestFile, queryOcsp, verifyOcspResponse } from "./support/ocsp-client";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `ocsp-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();
const BASE = "https://pki.example.test";

let work: string;
let ca: TestCa;
let worker: RunningWorker;
let admin: AdminClient;
let url: string;
const devices: Record<string, { path: string; serial: string; der: Uint8Array }> = {};

async function enroll(scep: ScepTestClient, name: string) {
  const r = await scep.send(scep.pkcsReq({ key: newRsaKey(), cn: name, challenge: CHALLENGE }));
  expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
  const der = r.certificates[0]!;
  const path = join(work, `${name}.pem`);
  await writeFile(path, certPem(der));
  devices[name] = { path, der, serial: normSerial(new X509Certificate(Buffer.from(der)).serialNumber) };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "scep-ocsp-"));
  ca = await createTestCa({ dir: work, cn: "OCSP Interop CA" });
  worker = await startWorker({
    bindings: {
      CA_CERT: ca.certPem,
      CA_KEY: ca.keyPem,
      SCEP_CHALLENGE: CHALLENGE,
      CHALLENGE_MODE: "static",
      ADMIN_TOKEN: TOKEN,
      PUBLIC_BASE_URL: BASE,
    },
  });
  admin = new AdminClient(worker.origin, TOKEN);
  url = `${worker.origin}/ocsp`;
  const scep = await ScepTestClient.connect(worker.url);
  for (const name of ["good", "compromised", "revoked-later"]) await enroll(scep, name);
  await admin.revoke(devices.compromised!.serial, "keyCompromise");
});

afterAll(async () => {
  await worker?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("openssl ocsp against the Worker", () => {
  test("good over POST with openssl's nonce, verified against the CA through the delegated responder", async () => {
    const r = await queryOcsp({ url, caPath: ca.certPath, certs: [devices.good!.path] });
    expect(r.ok, r.out).toBe(true);
    expect(r.statuses[devices.good!.path]).toBe("good");
    expect(r.out).toContain("OCSP Nonce");
    expect(r.out).not.toMatch(/WARNING: no nonce|Nonce Verify error/);
    // The responder certificate openssl checked: issued by the CA, OCSPSigning, nocheck.
    expect(r.out).toMatch(/Issuer: O ?= ?Edge SCEP Tests, CN ?= ?OCSP Interop CA/);
    expect(r.out).toMatch(/Subject: CN ?= ?OCSP Responder [0-9a-f]{32}/);
    expect(r.out).toMatch(/X509v3 Extended Key Usage: \n\s+OCSP Signing/);
    expect(r.out).toContain("OCSP No Check");
    expect(r.out).toContain("Signature Algorithm: ecdsa-with-SHA256");
  });

  test("the responder certificate is recorded in the CA's ledger like every certificate the CA key signs", async () => {
    const all = await admin.listAll();
    const responders = all.items.filter((c) => c.subject.startsWith("CN=OCSP Responder "));
    expect(responders.length).toBeGreaterThanOrEqual(1);
    expect(responders.every((c) => c.status === "valid")).toBe(true);
  });

  test("revoked, with the reason and time the admin API recorded", async () => {
    const r = await queryOcsp({ url, caPath: ca.certPath, certs: [devices.compromised!.path], nonce: false });
    expect(r.ok, r.out).toBe(true);
    expect(r.statuses[devices.compromised!.path]).toBe("revoked");
    expect(r.out).toContain("Reason: keyCompromise");
    expect(r.out).toMatch(/Revocation Time: \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT/);
  });

  test("unknown for a serial this CA never issued; SHA-256 CertIDs; several in one request", async () => {
    const r = await queryOcsp({
      url,
      caPath: ca.certPath,
      serials: ["7F0102030405060708090A0B0C0D0E0F"],
      certs: [devices.good!.path, devices.compromised!.path],
      hash: "sha256",
    });
    expect(r.ok, r.out).toBe(true);
    expect(r.statuses).toMatchObject({
      "0x7F0102030405060708090A0B0C0D0E0F": "unknown",
      [devices.good!.path]: "good",
      [devices.compromised!.path]: "revoked",
    });
    expect(r.out).toContain("Hash Algorithm: sha256");
  });

  test("without a nonce the answer is cached: the RFC 5019 GET form returns the same signed bytes, which openssl verifies", async () => {
    const post = join(work, "post.der");
    const first = await queryOcsp({ url, caPath: ca.certPath, certs: [devices.good!.path], nonce: false, respOut: post });
    expect(first.ok, first.out).toBe(true);
    const req = await ocspRequestFile(work, "good-get", ca.certPath, devices.good!.path);
    const got = await getOcsp(url, req.der);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/ocsp-response");
    expect(got.headers.get("cache-control")).toMatch(/^public, max-age=\d+, no-transform, must-revalidate$/);
    expect(got.headers.get("last-modified")).toBeTruthy();
    expect(got.headers.get("etag")).toMatch(/^"[0-9A-F]{40}"$/);
    expect(Buffer.from(got.body).equals(await readFile(post))).toBe(true);
    const verified = await verifyOcspResponse(work, "good-get", got.body, ca.certPath, devices.good!.path);
    expect(verified.ok, verified.out).toBe(true);
    expect(verified.statuses[devices.good!.path]).toBe("good");
  });

  test("a revocation followed at once by a query answers revoked, over POST and GET", async () => {
    const device = devices["revoked-later"]!;
    const req = await ocspRequestFile(work, "later", ca.certPath, device.path);
    for (let i = 0; i < 2; i++) {
      expect((await queryOcsp({ url, caPath: ca.certPath, certs: [device.path], nonce: false })).statuses[device.path]).toBe("good");
      expect((await verifyOcspResponse(work, `later-${i}`, (await getOcsp(url, req.der)).body, ca.certPath, device.path)).statuses[device.path]).toBe(
        "good",
      );
    }
    await admin.revoke(device.serial, "superseded");
    const post = await queryOcsp({ url, caPath: ca.certPath, certs: [device.path], nonce: false });
    expect(post.statuses[device.path], post.out).toBe("revoked");
    expect(post.out).toContain("Reason: superseded");
    const get = await verifyOcspResponse(work, "later-after", (await getOcsp(url, req.der)).body, ca.certPath, device.path);
    expect(get.statuses[device.path], get.out).toBe("revoked");
  });

  test("malformed, foreign and oversized requests: malformedRequest, unauthorized, 413 — never a 500", async () => {
    const garbage = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/ocsp-request" },
      body: new Uint8Array([0x30, 0x82, 0xff, 0xff, 1, 2]),
    });
    expect(garbage.status).toBe(200);
    const file = join(work, "malformed.resp");
    await writeFile(file, new Uint8Array(await garbage.arrayBuffer()));
    expect((await openssl(["ocsp", "-respin", file, "-resp_text", "-noverify"], { allowFail: true })).stdout).toContain(
      "Responder Error: malformedrequest (1)",
    );

    const stranger = await createTestCa({ cn: "Stranger CA" });
    try {
      const r = await queryOcsp({ url, caPath: stranger.certPath, serials: ["01"] });
      expect(r.out).toContain("Responder Error: unauthorized (6)");
    } finally {
      await stranger.cleanup();
    }
    expect((await fetch(url, { method: "POST", body: new Uint8Array(64 * 1024) })).status).toBe(413);
  });

  test("issued certificates name the responder in their AIA, beside caIssuers", async () => {
    const text = (await openssl(["x509", "-noout", "-text", "-in", devices.good!.path])).stdout;
    expect(text).toContain(`OCSP - URI:${BASE}/ocsp`);
    expect(text).toMatch(/CA Issuers - URI:https:\/\/pki\.example\.test\/ca\/[0-9a-f]{32}\.crt/);
  });

  test("the admin stats count OCSP answers by outcome and cache use", async () => {
    const stats = await admin.ok<{ ocsp: Record<string, number> }>("GET", "/admin/stats");
    expect(stats.ocsp.good).toBeGreaterThanOrEqual(4);
    expect(stats.ocsp.revoked).toBeGreaterThanOrEqual(3);
    expect(stats.ocsp.unknown).toBeGreaterThanOrEqual(1);
    expect(stats.ocsp.malformedRequest).toBeGreaterThanOrEqual(1);
    expect(stats.ocsp.unauthorized).toBeGreaterThanOrEqual(1);
    expect(stats.ocsp["cache.hit"]).toBeGreaterThanOrEqual(2);
    expect(stats.ocsp["refused.http"]).toBeGreaterThanOrEqual(1);
    expect(stats.ocsp.signed).toBeLessThan(stats.ocsp.good! + stats.ocsp.revoked! + stats.ocsp.unknown!);
  });
});
