import { describe, expect, it } from "vitest";
import { tokenKey } from "../../src/intune/kv-keys";
import { GRAPH_SCOPE, INTUNE_SCOPE } from "../fakes/microsoft/fake";
import { usableSeconds } from "../../src/intune/token-cache";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT_ID } from "../fakes/microsoft/fake";
import { makeCsr } from "./support/csr";
import { AUTHORITY, harness, testConfig } from "./support/harness";

async function validCsr(h: ReturnType<typeof harness>) {
  return makeCsr({ challenge: h.fake.mintChallenge() });
}

describe("token cache", () => {
  it("reuses one token per scope across requests and across isolates sharing KV", async () => {
    const h = harness();
    const a = h.isolate();
    const b = h.isolate();
    for (let i = 0; i < 5; i++) {
      expect((await a.validateRequest(`tx-a${i}`, await validCsr(h))).ok).toBe(true);
      expect((await b.validateRequest(`tx-b${i}`, await validCsr(h))).ok).toBe(true);
    }
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(1);
    expect(h.fake.tokenCount(GRAPH_SCOPE)).toBe(1);
    expect(h.fake.requestsTo("graph")).toHaveLength(1); // discovery cached in KV too
  });

  it("shares one refresh between concurrent callers in an isolate (single flight)", async () => {
    const h = harness();
    const client = h.isolate();
    const csrs = await Promise.all(Array.from({ length: 10 }, () => validCsr(h)));
    const results = await Promise.all(csrs.map((csr, i) => client.validateRequest(`tx${i}`, csr)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(1);
    expect(h.fake.tokenCount(GRAPH_SCOPE)).toBe(1);
    expect(h.fake.requestsTo("graph")).toHaveLength(1);
  });

  it("refreshes after expires_in minus the 300 s margin, in memory and KV", async () => {
    const h = harness({ tokenExpiresIn: 3599 });
    const client = h.isolate();
    await client.validateRequest("tx1", await validCsr(h));
    h.clock.advance(3299 - 1);
    await client.validateRequest("tx2", await validCsr(h));
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(1);
    h.clock.advance(2);
    await client.validateRequest("tx3", await validCsr(h));
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(2);
    // A second isolate picks the refreshed token from KV.
    await h.isolate().validateRequest("tx4", await validCsr(h));
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(2);
  });

  it("uses a short-lived token for half its life and keeps it out of KV below 60 s", async () => {
    expect(usableSeconds(3599)).toBe(3299);
    expect(usableSeconds(400)).toBe(200);
    expect(usableSeconds(100)).toBe(50);
    const h = harness({ tokenExpiresIn: 100 });
    const client = h.isolate();
    expect((await client.validateRequest("tx1", await validCsr(h))).ok).toBe(true);
    expect(h.kv.puts.filter((p) => p.key.includes(":token:"))).toHaveLength(0);
    h.clock.advance(49);
    await client.validateRequest("tx2", await validCsr(h));
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(1);
    h.clock.advance(2);
    await client.validateRequest("tx3", await validCsr(h));
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(2);
  });

  it("accepts expires_in as a number and as a string", async () => {
    for (const format of ["number", "string"] as const) {
      const h = harness({ expiresInFormat: format, tokenExpiresIn: 1000 });
      await h.isolate().validateRequest("tx", await validCsr(h));
      const put = h.kv.puts.find((p) => p.key === tokenKey(FAKE_TENANT_ID, FAKE_CLIENT_ID, INTUNE_SCOPE));
      expect(put?.expirationTtl).toBe(700);
    }
  });

  it("stores the token sealed: KV never holds the plaintext token", async () => {
    const h = harness();
    await h.isolate().validateRequest("tx", await validCsr(h));
    const issued = [...h.fake.tokens.keys()];
    expect(issued).toHaveLength(2);
    const tokenPuts = h.kv.puts.filter((p) => p.key.includes(":token:"));
    expect(tokenPuts.map((p) => p.key).sort()).toEqual(
      [tokenKey(FAKE_TENANT_ID, FAKE_CLIENT_ID, GRAPH_SCOPE), tokenKey(FAKE_TENANT_ID, FAKE_CLIENT_ID, INTUNE_SCOPE)].sort(),
    );
    for (const put of tokenPuts) {
      for (const token of issued) {
        expect(put.value).not.toContain(token);
        expect(put.value).not.toContain(token.split(".")[1]!); // not even the claims
      }
      expect(put.value).not.toContain(FAKE_CLIENT_SECRET);
      expect(JSON.parse(put.value)).toMatchObject({ v: 1, iv: expect.any(String), ct: expect.any(String) });
    }
  });

  it("treats a KV value sealed under another secret (rotation) or garbage as a miss", async () => {
    const h = harness();
    await h.isolate().validateRequest("tx1", await validCsr(h));
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(1);
    // Rotated secret: the fake now knows only the new one; the old KV entries no longer open.
    h.fake.options.clientSecret = "rotated-secret";
    const rotated = h.isolate({ config: testConfig({ INTUNE_CLIENT_SECRET: "rotated-secret" }) });
    expect((await rotated.validateRequest("tx2", await validCsr(h))).ok).toBe(true);
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(2);
    expect(h.logs.some((l) => l.event === "intune.token.cache_unreadable")).toBe(true);
    await h.kv.put(tokenKey(FAKE_TENANT_ID, FAKE_CLIENT_ID, INTUNE_SCOPE), "not json", { expirationTtl: 600 });
    expect((await h.isolate({ config: testConfig({ INTUNE_CLIENT_SECRET: "rotated-secret" }) }).validateRequest("tx3", await validCsr(h))).ok).toBe(
      true,
    );
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(3);
  });

  it("drops the token and retries once on a 401 from Intune", async () => {
    const h = harness();
    const client = h.isolate();
    await client.validateRequest("tx1", await validCsr(h));
    h.fake.revokeTokens();
    const other = h.isolate(); // would otherwise read the revoked token from KV
    const r = await client.validateRequest("tx2", await validCsr(h));
    expect(r.ok).toBe(true);
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(2);
    const calls = h.fake.requestsTo("intune", "validateRequest").map((x) => x.status);
    expect(calls).toEqual([200, 401, 200]);
    // The fresh token replaced the revoked one in KV.
    expect((await other.validateRequest("tx3", await validCsr(h))).ok).toBe(true);
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(2);
  });

  it("gives up after one retry when Intune keeps answering 401 (missing role)", async () => {
    const h = harness({ intuneRoles: [] });
    const r = await h.isolate().validateRequest("tx", await validCsr(h));
    expect(r).toMatchObject({ ok: false, code: "HttpError401", httpStatus: 401 });
    expect(h.fake.requestsTo("intune")).toHaveLength(2);
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(2);
  });

  it("surfaces Entra's error and error_description, never the secret", async () => {
    const h = harness();
    h.fake.options.clientSecret = "something-else";
    const r = await h.isolate().validateRequest("tx", await validCsr(h));
    expect(r.ok).toBe(false);
    expect(r.code).toBe("TokenError");
    expect(r.description).toContain("invalid_client");
    expect(r.description).toContain("AADSTS7000215");
    expect(r.description).not.toContain("Trace ID"); // first line only
    expect(JSON.stringify(h.logs)).not.toContain(FAKE_CLIENT_SECRET);
    expect(h.fake.requestsTo("intune")).toHaveLength(0);
  });

  it("names the unknown tenant, the unknown client and a token timeout", async () => {
    const h = harness();
    const tenant = await h.isolate({ config: testConfig({ INTUNE_TENANT_ID: "other.onmicrosoft.com" }) }).validateRequest("tx", await validCsr(h));
    expect(tenant.description).toContain("AADSTS90002");
    const client = await h
      .isolate({ config: testConfig({ INTUNE_CLIENT_ID: "00000000-0000-4000-8000-000000000000" }) })
      .validateRequest("tx", await validCsr(h));
    expect(client.description).toContain("unauthorized_client");
    h.fake.inject("token", "hang");
    const slow = await h.isolate({ timeoutMs: 50 }).validateRequest("tx", await validCsr(h));
    expect(slow).toMatchObject({ ok: false, code: "TokenError" });
    expect(slow.description).toContain("timeout");
    h.fake.close();
  });

  it("the reference scope strings are the ones requested (double slash for Intune)", async () => {
    const h = harness();
    await h.isolate().validateRequest("tx", await validCsr(h));
    const scopes = h.fake.requestsTo("token").map((r) => (r.body as Record<string, string>).scope);
    expect(scopes.sort()).toEqual(["https://api.manage.microsoft.com//.default", "https://graph.microsoft.com/.default"]);
    for (const r of h.fake.requestsTo("token")) {
      expect(r.url).toBe(`${AUTHORITY}/${FAKE_TENANT_ID}/oauth2/v2.0/token`);
      expect(r.headers["content-type"]).toContain("application/x-www-form-urlencoded");
      expect(r.body).toMatchObject({ grant_type: "client_credentials", client_id: FAKE_CLIENT_ID, client_secret: "[redacted]" });
    }
  });
});
