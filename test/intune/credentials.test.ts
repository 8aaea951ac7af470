// Certificate credentials (INTUNE_CLIENT_CERT + INTUNE_CLIENT_KEY) against the fake Entra, which
// verifies each client assertion against the certificate registered for the app; the secret path
// beside it; the token cache across a change of credential; the expiry warning.
import { describe, expect, it } from "vitest";
import { clientAssertion } from "../../src/intune/client-assertion";
import { IntuneConfigError } from "../../src/intune/config";
import { credentialStatus, type IntuneCredential } from "../../src/intune/credential";
import { tokenKey } from "../../src/intune/kv-keys";
import { makeEntraCredential, type EntraCredential } from "../../scripts/lib/entra-credential";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT_ID, INTUNE_SCOPE } from "../fakes/microsoft/fake";
import { makeCsr } from "./support/csr";
import { AUTHORITY, harness, testConfig } from "./support/harness";

const registered = makeEntraCredential({ commonName: "registered app cert", days: 365 });
const stranger = makeEntraCredential({ commonName: "not registered", days: 365 });
const TOKEN_URL = `${AUTHORITY}/${FAKE_TENANT_ID}/oauth2/v2.0/token`;

function certConfig(c: EntraCredential, extra: Record<string, string | undefined> = {}) {
  return testConfig({ INTUNE_CLIENT_SECRET: undefined, INTUNE_CLIENT_CERT: c.certPem, INTUNE_CLIENT_KEY: c.keyPem, ...extra });
}

function certificateOf(c: { certDer: Uint8Array }, key: EntraCredential): Extract<IntuneCredential, { kind: "certificate" }> {
  const parsed = certConfig(key).credential as Extract<IntuneCredential, { kind: "certificate" }>;
  return { ...parsed, certDer: c.certDer };
}

async function postAssertion(h: ReturnType<typeof harness>, assertion: string) {
  const res = await h.fake.fetch(TOKEN_URL, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: FAKE_CLIENT_ID,
      scope: INTUNE_SCOPE,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    }),
  });
  return { status: res.status, body: (await res.json()) as { error?: string; error_description?: string; access_token?: string } };
}

describe("certificate credential", () => {
  it("authenticates with a PS256 assertion the fake verifies against the registered certificate; no secret is sent", async () => {
    const h = harness({ clientCertificates: [registered.certDer], clientSecret: "" });
    const client = h.isolate({ config: certConfig(registered) });
    expect(await client.validateRequest("tx-cert", await makeCsr({ challenge: h.fake.mintChallenge() }))).toMatchObject({ ok: true });
    expect(h.fake.assertions).toHaveLength(2); // Graph token, then the Intune token
    for (const a of h.fake.assertions) {
      expect(a.accepted).toBe(true);
      if (!a.accepted) continue;
      expect(a.header).toEqual({ alg: "PS256", typ: "JWT", "x5t#S256": registered.x5tS256 });
      const c = a.claims as { aud: string; iss: string; sub: string; jti: string; nbf: number; iat: number; exp: number };
      expect(c).toMatchObject({ aud: TOKEN_URL, iss: FAKE_CLIENT_ID, sub: FAKE_CLIENT_ID });
      expect(c.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(c.exp - c.nbf).toBeLessThanOrEqual(600);
      expect(c.nbf).toBe(Math.floor(h.clock.now() / 1000));
    }
    const forms = h.fake.requestsTo("token").map((r) => r.body as Record<string, string>);
    expect(forms.every((f) => !("client_secret" in f) && f.client_assertion === "[redacted]")).toBe(true);
    expect(new Set(h.fake.assertions.map((a) => (a.accepted ? a.claims.jti : "")))).toHaveProperty("size", 2);
  });

  it("a certificate Entra does not know is refused (AADSTS700027); Intune is never called", async () => {
    const h = harness({ clientCertificates: [registered.certDer], clientSecret: "" });
    const result = await h
      .isolate({ config: certConfig(stranger) })
      .validateRequest("tx-stranger", await makeCsr({ challenge: h.fake.mintChallenge() }));
    expect(result).toMatchObject({ ok: false, code: "TokenError" });
    expect(result.description).toContain("AADSTS700027");
    expect(h.fake.requestsTo("intune")).toEqual([]);
  });

  it("an assertion naming the registered certificate but signed by another key is refused", async () => {
    const h = harness({ clientCertificates: [registered.certDer] });
    const forged = await clientAssertion(certificateOf(registered, stranger), {
      clientId: FAKE_CLIENT_ID,
      audience: TOKEN_URL,
      nowMs: h.clock.now(),
      jti: crypto.randomUUID(),
    });
    const r = await postAssertion(h, forged);
    expect(r.status).toBe(401);
    expect(r.body.error).toBe("invalid_client");
    expect(r.body.error_description).toMatch(/^AADSTS700027: Client assertion failed signature validation/);
  });

  it("an expired assertion, one for another audience and a replayed one are refused; a fresh one passes", async () => {
    const h = harness({ clientCertificates: [registered.certDer] });
    const cred = certificateOf(registered, registered);
    const make = (nowMs: number, audience = TOKEN_URL, jti: string = crypto.randomUUID()) =>
      clientAssertion(cred, { clientId: FAKE_CLIENT_ID, audience, nowMs, jti });

    const expired = await postAssertion(h, await make(h.clock.now() - 3_600_000));
    expect(expired.status).toBe(401);
    expect(expired.body.error_description).toMatch(/^AADSTS700024/);

    const elsewhere = await postAssertion(h, await make(h.clock.now(), "https://login.microsoftonline.com/other/oauth2/v2.0/token"));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.error_description).toContain("audience");

    const fresh = await make(h.clock.now());
    expect((await postAssertion(h, fresh)).status).toBe(200);
    const replayed = await postAssertion(h, fresh);
    expect(replayed.status).toBe(401);
    expect(replayed.body.error_description).toContain("replayed");
  });

  it("the client secret still works, and sends no assertion", async () => {
    const h = harness({ clientCertificates: [registered.certDer] });
    expect(await h.isolate().validateRequest("tx-secret", await makeCsr({ challenge: h.fake.mintChallenge() }))).toMatchObject({ ok: true });
    expect(h.fake.assertions).toEqual([]);
    expect(h.fake.requestsTo("token").every((r) => (r.body as Record<string, string>).client_secret === "[redacted]")).toBe(true);
  });

  it("a token sealed under the secret is a cache miss once the certificate is configured (and back), never an error", async () => {
    const h = harness({ clientCertificates: [registered.certDer] });
    const csr = async () => makeCsr({ challenge: h.fake.mintChallenge() });
    expect((await h.isolate().validateRequest("tx1", await csr())).ok).toBe(true);
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(1);
    expect(await h.kv.get(tokenKey(FAKE_TENANT_ID, FAKE_CLIENT_ID, INTUNE_SCOPE), "text")).toBeTruthy();

    expect((await h.isolate({ config: certConfig(registered) }).validateRequest("tx2", await csr())).ok).toBe(true);
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(2);
    expect(h.logs.filter((l) => l.event === "intune.token.cache_unreadable").length).toBeGreaterThanOrEqual(1);
    // The certificate's isolates now share the entry it wrote.
    expect((await h.isolate({ config: certConfig(registered) }).validateRequest("tx3", await csr())).ok).toBe(true);
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(2);
    expect((await h.isolate().validateRequest("tx4", await csr())).ok).toBe(true);
    expect(h.fake.tokenCount(INTUNE_SCOPE)).toBe(3);
  });
});

describe("credential settings and expiry", () => {
  it("needs both halves of a certificate unless a secret is there; a complete pair wins over the secret", () => {
    const setting = (env: Record<string, string | undefined>) => {
      try {
        testConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(IntuneConfigError);
        expect((e as Error).message).not.toContain("PRIVATE KEY");
        return (e as IntuneConfigError).setting;
      }
      return "accepted";
    };
    expect(setting({ INTUNE_CLIENT_SECRET: undefined, INTUNE_CLIENT_CERT: registered.certPem })).toBe("INTUNE_CLIENT_KEY");
    expect(setting({ INTUNE_CLIENT_SECRET: undefined, INTUNE_CLIENT_KEY: registered.keyPem })).toBe("INTUNE_CLIENT_CERT");
    expect(setting({ INTUNE_CLIENT_SECRET: undefined, INTUNE_CLIENT_CERT: registered.certPem, INTUNE_CLIENT_KEY: stranger.keyPem })).toBe(
      "INTUNE_CLIENT_KEY",
    );
    expect(setting({ INTUNE_CLIENT_SECRET: undefined, INTUNE_CLIENT_CERT: "not pem", INTUNE_CLIENT_KEY: registered.keyPem })).toBe(
      "INTUNE_CLIENT_CERT",
    );
    expect(setting({ INTUNE_CLIENT_SECRET_EXPIRES: "next tuesday" })).toBe("INTUNE_CLIENT_SECRET_EXPIRES");
    expect(testConfig({ INTUNE_CLIENT_KEY: registered.keyPem }).credential).toMatchObject({
      kind: "secret",
      note: "INTUNE_CLIENT_KEY is set without INTUNE_CLIENT_CERT",
    });
    expect(testConfig({ INTUNE_CLIENT_CERT: registered.certPem, INTUNE_CLIENT_KEY: registered.keyPem }).credential.kind).toBe("certificate");
  });

  it("warns under 30 days: the certificate's notAfter, or INTUNE_CLIENT_SECRET_EXPIRES", () => {
    const now = Date.UTC(2027, 0, 1);
    const soon = makeEntraCredential({ commonName: "soon", days: 10, now: new Date(now) });
    expect(credentialStatus(certConfig(soon).credential, now)).toMatchObject({
      kind: "certificate",
      daysLeft: 10,
      warning: expect.stringContaining("expires in 10 days"),
    });
    expect(credentialStatus(certConfig(registered).credential, Date.now()).warning).toBeUndefined();
    const secret = testConfig({ INTUNE_CLIENT_SECRET_EXPIRES: "2027-01-20" }).credential;
    expect(credentialStatus(secret, now)).toEqual({
      kind: "secret",
      expiresAt: "2027-01-20T00:00:00.000Z",
      daysLeft: 19,
      warning: expect.stringContaining("client secret expires in 19 days"),
    });
    expect(credentialStatus(secret, Date.UTC(2027, 1, 1)).warning).toContain("expired");
    expect(credentialStatus(testConfig().credential, now)).toEqual({ kind: "secret" });
  });

  it("logs the warning when it fetches a token, without the secret", async () => {
    const h = harness();
    const expiring = testConfig({ INTUNE_CLIENT_SECRET_EXPIRES: new Date(h.clock.now() + 5 * 86_400_000).toISOString() });
    expect((await h.isolate({ config: expiring }).validateRequest("tx-warn", await makeCsr({ challenge: h.fake.mintChallenge() }))).ok).toBe(true);
    const warnings = h.logs.filter((l) => l.event === "intune.credential.expiring");
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]!.fields).toMatchObject({ kind: "secret", daysLeft: 5 });
    expect(JSON.stringify(h.logs)).not.toContain(FAKE_CLIENT_SECRET);
  });

  it("no assertion, key or token reaches a log or an error text", async () => {
    const h = harness({ clientCertificates: [stranger.certDer] });
    const result = await h
      .isolate({ config: certConfig(registered) })
      .validateRequest("tx-quiet", await makeCsr({ challenge: h.fake.mintChallenge() }));
    expect(result.ok).toBe(false);
    const text = JSON.stringify({ logs: h.logs, result });
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/); // no JWT
    expect(text).not.toContain(registered.keyPem.split("\n")[1]!);
  });
});
