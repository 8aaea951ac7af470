// src/config.ts loadConfig() inside workerd with fake env objects: every missing or invalid setting
// yields a ConfigError that names the setting and never carries key material or the challenge.
// The bindings of this project cannot change per test, so the Worker's 503 path is driven by calling
// the exported handler with a fake env.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Config } from "../../src/config";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { newKey, WORKER_TEST_CHALLENGE } from "./support/scep-harness";

const real = env as unknown as Record<string, string>;

function fakeEnv(overrides: Record<string, string | undefined> = {}): Env {
  const base: Record<string, string | undefined> = {
    CA_CERT: real.CA_CERT,
    CA_KEY: real.CA_KEY,
    SCEP_CHALLENGE: WORKER_TEST_CHALLENGE,
    CHALLENGE_MODE: "static",
    ALLOW_LEGACY_DES: "false",
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base as unknown as Env;
}

const otherKeyPem = newKey({ algorithm: "rsa", bits: 2048 }).key.export({ type: "pkcs8", format: "pem" }).toString();

/** Base64 lines of every PEM key involved: none may appear in any error text. */
function keyFragments(): string[] {
  const bodies = [real.CA_KEY!, otherKeyPem].map((pem) => pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
  const fragments: string[] = [];
  for (const body of bodies) for (let i = 0; i + 24 <= body.length; i += 24) fragments.push(body.slice(i, i + 24));
  return fragments;
}

function expectConfigError(result: Config | ConfigError, setting: string): ConfigError {
  expect(result, "expected a ConfigError").toBeInstanceOf(ConfigError);
  const error = result as ConfigError;
  expect(error.message).toContain(setting);
  expect(error.message).not.toContain("PRIVATE KEY");
  expect(error.message).not.toContain("BEGIN");
  expect(error.message).not.toContain(WORKER_TEST_CHALLENGE);
  for (const fragment of keyFragments()) expect(error.message.includes(fragment), "key material in the message").toBe(false);
  expect(error.message.length).toBeLessThan(300);
  return error;
}

describe("loadConfig: valid settings", () => {
  it("the test bindings load into a Config", () => {
    const config = loadConfig(fakeEnv());
    expect(config).not.toBeInstanceOf(ConfigError);
    const c = config as Config;
    expect(c.challengeModes).toEqual(["static"]);
    expect(c.allowLegacyDes).toBe(false);
    expect(c.profiles.get("default")?.validityDays).toBe(365);
    expect(c.profiles.get("default")?.backdateSeconds).toBe(1440 * 60);
    expect(c.maxMessageBytes).toBe(65536);
    expect(c.nextCaCert).toBeUndefined();
    expect(c.caCert.contentType).toBe("application/x-x509-ca-cert");
  });

  it("numeric and boolean settings are read", () => {
    const c = loadConfig(fakeEnv({ CERT_VALIDITY_DAYS: "30", CERT_BACKDATE_MINUTES: "0", MAX_MESSAGE_BYTES: "8192", ALLOW_LEGACY_DES: "true" })) as Config;
    expect(c).not.toBeInstanceOf(ConfigError);
    expect(c.profiles.get("default")?.validityDays).toBe(30);
    expect(c.profiles.get("default")?.backdateSeconds).toBe(0);
    expect(c.maxMessageBytes).toBe(8192);
    expect(c.allowLegacyDes).toBe(true);
  });

  it("CHALLENGE_MODE with surrounding spaces and another case (' Static ')", () => {
    const c = loadConfig(fakeEnv({ CHALLENGE_MODE: " Static " }));
    expect(c).not.toBeInstanceOf(ConfigError);
    expect((c as Config).challengeModes).toEqual(["static"]);
  });

  it("CA_CERT and CA_KEY pasted with literal \\n sequences (dashboard quirk)", () => {
    const c = loadConfig(fakeEnv({ CA_CERT: real.CA_CERT!.replace(/\n/g, "\\n"), CA_KEY: real.CA_KEY!.replace(/\n/g, "\\n") }));
    expect(c).not.toBeInstanceOf(ConfigError);
  });

  it("caches by value: equal envs give the same object, a changed value recomputes", () => {
    const a = loadConfig(fakeEnv({ CERT_VALIDITY_DAYS: "90" }));
    const b = loadConfig(fakeEnv({ CERT_VALIDITY_DAYS: "90" }));
    expect(b).toBe(a);
    const c = loadConfig(fakeEnv({ CERT_VALIDITY_DAYS: "91" }));
    expect(c).not.toBe(a);
    expect((c as Config).profiles.get("default")?.validityDays).toBe(91);
  });

  it("ACCESS_TEAM_DOMAIN as a bare team domain or an https URL; loopback http for tests", () => {
    const expected = { issuer: "https://example.cloudflareaccess.com", certsUrl: "https://example.cloudflareaccess.com/cdn-cgi/access/certs", audience: "aud-tag" };
    for (const domain of ["example.cloudflareaccess.com", "https://example.cloudflareaccess.com/", " https://Example.cloudflareaccess.com "]) {
      expect((loadConfig(fakeEnv({ ACCESS_TEAM_DOMAIN: domain, ACCESS_AUD: "aud-tag" })) as Config).access).toEqual(expected);
    }
    const local = loadConfig(fakeEnv({ ACCESS_TEAM_DOMAIN: "http://127.0.0.1:8788", ACCESS_AUD: "aud-tag" })) as Config;
    expect(local.access?.certsUrl).toBe("http://127.0.0.1:8788/cdn-cgi/access/certs");
    expect((loadConfig(fakeEnv()) as Config).access).toBeUndefined();
  });

  it("a fixed env after an error is accepted again (the error is not sticky)", () => {
    expectConfigError(loadConfig(fakeEnv({ CA_CERT: undefined })), "CA_CERT");
    expect(loadConfig(fakeEnv())).not.toBeInstanceOf(ConfigError);
  });
});

describe("loadConfig: errors name the setting", () => {
  const cases: Array<[string, Record<string, string | undefined>, string]> = [
    ["CA_CERT missing", { CA_CERT: undefined }, "CA_CERT"],
    ["CA_CERT blank", { CA_CERT: "  \n" }, "CA_CERT"],
    ["CA_CERT not PEM", { CA_CERT: "hello" }, "CA_CERT"],
    ["CA_CERT holds the key by mistake", { CA_CERT: real.CA_KEY }, "CA_CERT"],
    ["CA_CERT PEM block of garbage", { CA_CERT: "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n" }, "CA_CERT"],
    ["CA_KEY missing", { CA_KEY: undefined }, "CA_KEY"],
    ["CA_KEY blank", { CA_KEY: "" }, "CA_KEY"],
    ["CA_KEY not matching CA_CERT", { CA_KEY: otherKeyPem }, "CA_KEY"],
    ["CA_KEY unreadable PEM", { CA_KEY: "-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA\n-----END PRIVATE KEY-----\n" }, "CA_KEY"],
    ["CA_KEY holds the certificate by mistake", { CA_KEY: real.CA_CERT }, "CA_KEY"],
    ["CHALLENGE_MODE unknown", { CHALLENGE_MODE: "magic" }, "CHALLENGE_MODE"],
    ["CHALLENGE_MODE list with an unknown entry", { CHALLENGE_MODE: "static,telepathy" }, "CHALLENGE_MODE"],
    ["CHALLENGE_MODE only commas", { CHALLENGE_MODE: " , " }, "CHALLENGE_MODE"],
    ["static mode without SCEP_CHALLENGE", { SCEP_CHALLENGE: undefined }, "SCEP_CHALLENGE"],
    ["static mode with an empty SCEP_CHALLENGE", { SCEP_CHALLENGE: "" }, "SCEP_CHALLENGE"],
    ["CERT_VALIDITY_DAYS not a number", { CERT_VALIDITY_DAYS: "a year" }, "CERT_VALIDITY_DAYS"],
    ["CERT_VALIDITY_DAYS zero", { CERT_VALIDITY_DAYS: "0" }, "CERT_VALIDITY_DAYS"],
    ["CERT_VALIDITY_DAYS negative", { CERT_VALIDITY_DAYS: "-5" }, "CERT_VALIDITY_DAYS"],
    ["CERT_VALIDITY_DAYS fractional", { CERT_VALIDITY_DAYS: "1.5" }, "CERT_VALIDITY_DAYS"],
    ["CERT_VALIDITY_DAYS too large", { CERT_VALIDITY_DAYS: "3651" }, "CERT_VALIDITY_DAYS"],
    ["CERT_BACKDATE_MINUTES not a number", { CERT_BACKDATE_MINUTES: "one day" }, "CERT_BACKDATE_MINUTES"],
    ["MAX_MESSAGE_BYTES below the minimum", { MAX_MESSAGE_BYTES: "100" }, "MAX_MESSAGE_BYTES"],
    ["ALLOW_LEGACY_DES not a boolean", { ALLOW_LEGACY_DES: "maybe" }, "ALLOW_LEGACY_DES"],
    ["ACCESS_AUD without ACCESS_TEAM_DOMAIN", { ACCESS_AUD: "0123abcd" }, "ACCESS_TEAM_DOMAIN"],
    ["ACCESS_TEAM_DOMAIN without ACCESS_AUD", { ACCESS_TEAM_DOMAIN: "example.cloudflareaccess.com" }, "ACCESS_AUD"],
    ["ACCESS_TEAM_DOMAIN plain http to a public host", { ACCESS_TEAM_DOMAIN: "http://example.cloudflareaccess.com", ACCESS_AUD: "a" }, "ACCESS_TEAM_DOMAIN"],
    ["ACCESS_TEAM_DOMAIN with a path", { ACCESS_TEAM_DOMAIN: "https://example.cloudflareaccess.com/cdn-cgi/access/certs", ACCESS_AUD: "a" }, "ACCESS_TEAM_DOMAIN"],
  ];
  it.each(cases)("%s -> ConfigError naming %2$s", (_name, overrides, setting) => {
    expectConfigError(loadConfig(fakeEnv(overrides)), setting);
  });
});

describe("the Worker with a broken configuration", () => {
  it("answers 503 text naming the setting, for every operation, without key material", async () => {
    const broken = fakeEnv({ CA_KEY: otherKeyPem });
    for (const op of ["GetCACaps", "GetCACert", "PKIOperation"]) {
      const res = await worker.fetch(new Request(`http://scep.test/scep?operation=${op}`), broken);
      const body = await res.text();
      expect(res.status, op).toBe(503);
      expect(res.headers.get("content-type")).toBe("text/plain");
      expect(body).toContain("CA_KEY");
      expect(body).not.toContain("PRIVATE KEY");
      for (const fragment of keyFragments()) expect(body.includes(fragment)).toBe(false);
    }
  });

  it("ACCESS_AUD alone: the admin API answers 503 naming ACCESS_TEAM_DOMAIN", async () => {
    const res = await worker.fetch(new Request("http://scep.test/admin/stats"), fakeEnv({ ACCESS_AUD: "0123abcd", ADMIN_TOKEN: "x".repeat(32) }));
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("ACCESS_TEAM_DOMAIN");
  });

  it("never echoes SCEP_CHALLENGE in the 503 text", async () => {
    const res = await worker.fetch(new Request("http://scep.test/scep?operation=GetCACaps"), fakeEnv({ CHALLENGE_MODE: "bogus" }));
    const body = await res.text();
    expect(res.status).toBe(503);
    expect(body).toContain("CHALLENGE_MODE");
    expect(body).not.toContain(WORKER_TEST_CHALLENGE);
  });
});
