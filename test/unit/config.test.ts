// src/config.ts loadConfig() with fake env objects: every missing or invalid setting yields a
// ConfigError that names the setting and never carries key material or the challenge; all problems
// are reported at once; an admin-only problem turns off the admin API alone. Pure: runs in Node
// (the Worker's 503 answers are in test/worker/config-errors.test.ts).
import { describe, expect, it } from "vitest";
import { generateCa } from "../../src/ca/ca-generate";
import { ConfigError, loadConfig, type Config } from "../../src/config";
import type { Env } from "../../src/env";
import { newKey } from "../support/independent-pki";
import { WORKER_TEST_CHALLENGE } from "../support/worker-test-ca";
import { randomBytes } from "./ca-test-helpers";

const generated = generateCa({
  subject: { commonName: "Config Test CA" },
  key: { algorithm: "rsa", bits: 2048 },
  validityDays: 365,
  now: new Date(),
  randomBytes,
});
const real: Record<string, string> = { CA_CERT: generated.certPem, CA_KEY: generated.keyPem };

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
  for (const problem of error.problems) expect(problem.message.length).toBeLessThan(300);
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
    expect(c.admin).toEqual({ token: undefined, access: undefined });
    expect(c.nextCaCert).toBeUndefined();
    expect(c.caCert.contentType).toBe("application/x-x509-ca-cert");
  });

  it("numeric and boolean settings are read", () => {
    const c = loadConfig(
      fakeEnv({ CERT_VALIDITY_DAYS: "30", CERT_BACKDATE_MINUTES: "0", MAX_MESSAGE_BYTES: "8192", ALLOW_LEGACY_DES: "true" }),
    ) as Config;
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
    const expected = {
      issuer: "https://example.cloudflareaccess.com",
      certsUrl: "https://example.cloudflareaccess.com/cdn-cgi/access/certs",
      audience: "aud-tag",
    };
    for (const domain of ["example.cloudflareaccess.com", "https://example.cloudflareaccess.com/", " https://Example.cloudflareaccess.com "]) {
      expect((loadConfig(fakeEnv({ ACCESS_TEAM_DOMAIN: domain, ACCESS_AUD: "aud-tag" })) as Config).admin.access).toEqual(expected);
    }
    const local = loadConfig(fakeEnv({ ACCESS_TEAM_DOMAIN: "http://127.0.0.1:8788", ACCESS_AUD: "aud-tag" })) as Config;
    expect(local.admin.access?.certsUrl).toBe("http://127.0.0.1:8788/cdn-cgi/access/certs");
    expect((loadConfig(fakeEnv()) as Config).admin.access).toBeUndefined();
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
    [
      "CA_KEY unreadable PEM",
      { CA_KEY: "-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA\n-----END PRIVATE KEY-----\n" },
      "CA_KEY",
    ],
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
    ["SAN_TYPES unknown", { SAN_TYPES: "dns,x400" }, "SAN_TYPES"],
    ["SID_FROM_CSR unknown", { SID_FROM_CSR: "sometimes" }, "SID_FROM_CSR"],
    [
      "CERT_PROFILES with an extended key usage that is no OID (a leading zero)",
      { CERT_PROFILES: '{"net":{"extendedKeyUsage":["1.3.06.1"]}}' },
      "CERT_PROFILES.net.extendedKeyUsage",
    ],
    [
      "CERT_PROFILES with an extended key usage under arc 3",
      { CERT_PROFILES: '{"net":{"extendedKeyUsage":["3.1"]}}' },
      "CERT_PROFILES.net.extendedKeyUsage",
    ],
  ];
  it.each(cases)("%s -> ConfigError naming %2$s", (_name, overrides, setting) => {
    expectConfigError(loadConfig(fakeEnv(overrides)), setting);
  });
});

describe("loadConfig: an admin-only problem turns off the admin API, never enrollment", () => {
  const cases: Array<[string, Record<string, string | undefined>, string]> = [
    ["ACCESS_AUD without ACCESS_TEAM_DOMAIN", { ACCESS_AUD: "0123abcd" }, "ACCESS_TEAM_DOMAIN"],
    ["ACCESS_TEAM_DOMAIN without ACCESS_AUD", { ACCESS_TEAM_DOMAIN: "example.cloudflareaccess.com" }, "ACCESS_AUD"],
    [
      "ACCESS_TEAM_DOMAIN plain http to a public host",
      { ACCESS_TEAM_DOMAIN: "http://example.cloudflareaccess.com", ACCESS_AUD: "a" },
      "ACCESS_TEAM_DOMAIN",
    ],
    [
      "ACCESS_TEAM_DOMAIN with a path",
      { ACCESS_TEAM_DOMAIN: "https://example.cloudflareaccess.com/cdn-cgi/access/certs", ACCESS_AUD: "a" },
      "ACCESS_TEAM_DOMAIN",
    ],
    ["ADMIN_TOKEN too short", { ADMIN_TOKEN: "short" }, "ADMIN_TOKEN"],
  ];
  it.each(cases)("%s -> Config with admin problems naming %2$s", (_name, overrides, setting) => {
    const config = loadConfig(fakeEnv({ ADMIN_TOKEN: "x".repeat(32), ...overrides }));
    expect(config).not.toBeInstanceOf(ConfigError);
    const problems = (config as Config).admin.problems ?? [];
    expect(problems.map((p) => p.setting)).toEqual([setting]);
    expect((config as Config).admin.token).toBeUndefined();
    for (const p of problems) expect(p.message).not.toContain("x".repeat(16));
  });

  it("both ADMIN_TOKEN and ACCESS_* wrong: both named", () => {
    const config = loadConfig(fakeEnv({ ADMIN_TOKEN: "short", ACCESS_AUD: "0123abcd" })) as Config;
    expect(config.admin.problems?.map((p) => p.setting)).toEqual(["ADMIN_TOKEN", "ACCESS_TEAM_DOMAIN"]);
  });
});

describe("loadConfig: every problem at once", () => {
  it("names each broken setting in one ConfigError, in reading order, never a value", () => {
    const error = expectConfigError(
      loadConfig(
        fakeEnv({ CA_KEY: undefined, CHALLENGE_MODE: "bogus", CERT_VALIDITY_DAYS: "0", MAX_MESSAGE_BYTES: "1", APPROVAL_MODE: "sometimes" }),
      ),
      "CA_KEY",
    );
    expect(error.problems.map((p) => p.setting)).toEqual(["CA_KEY", "CHALLENGE_MODE", "CERT_VALIDITY_DAYS", "MAX_MESSAGE_BYTES", "APPROVAL_MODE"]);
    expect(error.message).toBe(error.problems.map((p) => p.message).join("; "));
    expect(error.message).not.toContain("bogus");
    expect(error.message).not.toContain("sometimes");
  });

  it("an unknown CHALLENGE_MODE value is not echoed", () => {
    const error = expectConfigError(loadConfig(fakeEnv({ CHALLENGE_MODE: "static,telepathy" })), "CHALLENGE_MODE");
    expect(error.message).not.toContain("telepathy");
  });
});
