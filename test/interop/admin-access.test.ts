// The admin API behind Cloudflare Access (ACCESS_TEAM_DOMAIN + ACCESS_AUD): the built Worker fetches
// the team's JWKS from a stand-in served on 127.0.0.1 and requires the Access JWT (header or
// CF_Authorization cookie) and, when ADMIN_TOKEN is set, the bearer token as well.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessClaims, jwksOf, newSigningKey, signJwt } from "../support/access-jwt-signer";
import { AdminClient, newAdminToken } from "./support/admin-client";
import { formatRun, runCommand, tsxScript } from "./support/clients";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const TOKEN = newAdminToken();
const key = newSigningKey("RS256", "access-key-1");
const forger = newSigningKey("RS256", "access-key-1");

let ca: TestCa;
let jwksServer: Server;
let issuer: string;
let certsRequests = 0;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Admin Access Test CA" });
  jwksServer = createServer((req, res) => {
    if (req.url !== "/cdn-cgi/access/certs") {
      res.writeHead(404).end();
      return;
    }
    certsRequests++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwksOf(key)));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve()));
  await ca?.cleanup();
});

function bindings(extra: Record<string, string>): Record<string, string> {
  return {
    CA_CERT: ca.certPem,
    CA_KEY: ca.keyPem,
    SCEP_CHALLENGE: "unused-challenge",
    CHALLENGE_MODE: "static",
    ACCESS_TEAM_DOMAIN: issuer,
    ACCESS_AUD: AUD,
    ...extra,
  };
}
const jwt = (extra: Record<string, unknown> = {}) => signJwt(key, accessClaims(issuer, AUD, Date.now(), extra));

describe("Access JWT and bearer token (both configured)", () => {
  let worker: RunningWorker;
  let admin: AdminClient;
  beforeAll(async () => {
    worker = await startWorker({ bindings: bindings({ ADMIN_TOKEN: TOKEN }) });
    admin = new AdminClient(worker.origin, TOKEN);
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("no JWT -> 401 even with the right bearer token", async () => {
    const r = await admin.request("GET", "/admin/stats");
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: "unauthorized" });
  });

  test("valid JWT + right bearer -> 200; the key set was fetched from the team domain", async () => {
    const r = await admin.request("GET", "/admin/stats", { headers: { "cf-access-jwt-assertion": jwt() } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ certificates: 0 });
    expect(certsRequests).toBeGreaterThanOrEqual(1);
  });

  test("valid JWT + wrong or missing bearer -> 401", async () => {
    const token = jwt();
    const wrong = await admin.request("GET", "/admin/stats", { token: newAdminToken(), headers: { "cf-access-jwt-assertion": token } });
    expect(wrong.status).toBe(401);
    const missing = await admin.request("GET", "/admin/stats", { token: null, headers: { "cf-access-jwt-assertion": token } });
    expect(missing.status).toBe(401);
    expect(missing.text).not.toContain(token);
  });

  test("expired, wrong audience, wrong issuer, forged -> 401 with one generic message", async () => {
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      jwt({ exp: now - 3600, iat: now - 7200, nbf: now - 7200 }),
      jwt({ aud: ["some-other-application"] }),
      jwt({ iss: "https://example.cloudflareaccess.com" }),
      signJwt(forger, accessClaims(issuer, AUD)),
    ];
    const messages = new Set<unknown>();
    for (const token of bad) {
      const r = await admin.request("GET", "/admin/stats", { headers: { "cf-access-jwt-assertion": token } });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: "unauthorized" });
      expect(r.text).not.toContain(token);
      messages.add(r.body.message);
    }
    expect(messages.size).toBe(1);
  });

  test("the CF_Authorization cookie works when the header is absent", async () => {
    const r = await admin.request("GET", "/admin/stats", { headers: { cookie: `theme=dark; CF_Authorization=${jwt()}` } });
    expect(r.status).toBe(200);
    const expired = await admin.request("GET", "/admin/stats", {
      headers: { cookie: `CF_Authorization=${jwt({ exp: Math.floor(Date.now() / 1000) - 3600 })}` },
    });
    expect(expired.status).toBe(401);
  });
});

describe("Access alone (no ADMIN_TOKEN)", () => {
  let worker: RunningWorker;
  let admin: AdminClient;
  beforeAll(async () => {
    worker = await startWorker({ bindings: bindings({}) });
    admin = new AdminClient(worker.origin, undefined);
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("valid JWT -> 200 without a bearer token; no JWT -> 401 (not admin_disabled)", async () => {
    const ok = await admin.request("GET", "/admin/stats", { headers: { "cf-access-jwt-assertion": jwt() } });
    expect(ok.status).toBe(200);
    const none = await admin.request("GET", "/admin/stats");
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: "unauthorized" });
  });

  test("scripts/admin.ts sends the JWT from SCEP_ACCESS_TOKEN (no bearer token needed)", async () => {
    const env: Record<string, string | undefined> = { ...process.env, SCEP_ACCESS_TOKEN: jwt() };
    delete env.SCEP_ADMIN_TOKEN;
    const r = await runCommand(...tsxScript("scripts/admin.ts", ["--url", worker.origin, "stats", "--json"]), { env, timeoutSec: 60 });
    expect(r.code, formatRun(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ certificates: 0 });
  });
});

describe("the team's key set unreachable", () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    // A port nothing listens on: the server just closed it.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    worker = await startWorker({ bindings: bindings({ ADMIN_TOKEN: TOKEN, ACCESS_TEAM_DOMAIN: `http://127.0.0.1:${port}` }) });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("-> 503 JSON", async () => {
    const r = await new AdminClient(worker.origin, TOKEN).request("GET", "/admin/stats", { headers: { "cf-access-jwt-assertion": jwt() } });
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ error: "access_keys_unavailable" });
  });
});
