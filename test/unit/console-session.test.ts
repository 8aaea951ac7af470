// Admin console sessions (src/admin/console-session.ts): where the cookie may be set and with which
// attributes, that only this deployment's key makes a valid one, that it ends at its expiry, and
// that changing ADMIN_TOKEN ends every session.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cookieScheme, csrfMatches, readSession, SESSION_SECONDS, startSession } from "../../src/admin/console-session";
import { generateCa } from "../../src/ca/ca-generate";
import { type Config, ConfigError, loadConfig } from "../../src/config";
import type { Env } from "../../src/env";

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const ca = generateCa({
  subject: { commonName: "Session Test CA" },
  key: { algorithm: "rsa", bits: 2048 },
  validityDays: 30,
  now: new Date(),
  randomBytes: rnd,
});

function config(token: string): Config {
  const c = loadConfig({ CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: "session-test", ADMIN_TOKEN: token } as unknown as Env);
  if (c instanceof ConfigError) throw c;
  return c;
}

function cookieOf(setCookie: string): Request {
  return new Request("https://scep.example/admin/", { headers: { cookie: `other=1; ${setCookie.split(";")[0]}` } });
}

describe("console session cookies", () => {
  it("https: __Host- prefix and Secure; loopback http: no Secure (deliberate); other http: no session at all", () => {
    const https = cookieScheme(new URL("https://scep.example/admin/"))!;
    expect(https.name).toBe("__Host-edge-scep-console");
    expect(https.attributes).toBe("Path=/; HttpOnly; SameSite=Strict; Secure");
    for (const host of ["127.0.0.1:8787", "localhost:8787", "[::1]:8787"]) {
      const local = cookieScheme(new URL(`http://${host}/admin/`))!;
      expect(local.name, host).toBe("edge-scep-console");
      expect(local.attributes, host).not.toContain("Secure");
    }
    expect(cookieScheme(new URL("http://scep.example/admin/"))).toBeUndefined();
  });

  it("a session reads back until its expiry, and no longer; a changed byte or another ADMIN_TOKEN makes it worthless", () => {
    const scheme = cookieScheme(new URL("https://scep.example/admin/"))!;
    const now = Date.UTC(2026, 0, 1);
    const a = config("token-aaaaaaaaaaaaaaaa");
    const { session, setCookie } = startSession(a, scheme, now, rnd(16));
    expect(setCookie).toContain(`Max-Age=${SESSION_SECONDS}`);
    expect(setCookie).not.toContain("token-aaaa");
    expect(readSession(cookieOf(setCookie), a, scheme, now + 1000)).toEqual(session);
    expect(readSession(cookieOf(setCookie), a, scheme, now + SESSION_SECONDS * 1000)).toBeUndefined();
    const flipped = setCookie.replace(/\.(\d+)\./, (_, exp: string) => `.${Number(exp) + 3600}.`);
    expect(readSession(cookieOf(flipped), a, scheme, now)).toBeUndefined();
    expect(readSession(cookieOf(setCookie), config("token-bbbbbbbbbbbbbbbb"), scheme, now)).toBeUndefined();
  });

  it("each session has its own CSRF token, compared exactly", () => {
    const scheme = cookieScheme(new URL("https://scep.example/admin/"))!;
    const c = config("token-cccccccccccccccc");
    const one = startSession(c, scheme, 0, rnd(16)).session;
    const two = startSession(c, scheme, 0, rnd(16)).session;
    expect(one.csrf).not.toBe(two.csrf);
    expect(csrfMatches(one, one.csrf)).toBe(true);
    expect(csrfMatches(one, two.csrf)).toBe(false);
    expect(csrfMatches(one, null)).toBe(false);
    expect(csrfMatches(one, "")).toBe(false);
  });
});
