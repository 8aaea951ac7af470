// Expiry of the certificates the Worker stands on (src/ca/expiry.ts) and the warning logged on an
// isolate's first request (src/expiry-warnings.ts): ok, expiring from 30 days out, expired (loudly,
// saying GetCACert still serves it), for the CA, its chain and the RA (and the Intune credential);
// logged once per config.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateCa, generateRaPair } from "../../src/ca/ca-generate";
import { loadCaMaterial } from "../../src/ca/ca-material";
import { EXPIRY_WARNING_DAYS, expiryOf } from "../../src/ca/expiry";
import { ConfigError, loadConfig } from "../../src/config";
import type { Env } from "../../src/env";
import { warnExpiryOnce } from "../../src/expiry-warnings";

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const DAY = 86_400_000;

function ca(days: number, now: number, cn = `CA ${days}`) {
  return generateCa({ subject: { commonName: cn }, key: { algorithm: "rsa", bits: 2048 }, validityDays: days, now: new Date(now), randomBytes: rnd });
}

describe("expiry of the CA, its chain and the RA", () => {
  const now = Date.UTC(2026, 5, 1);

  it("ok beyond 30 days, expiring inside, expired after notAfter, with what to do", () => {
    const year = ca(365, now);
    const far = expiryOf(loadCaMaterial({ caCertPem: year.certPem, caKeyPem: year.keyPem }, { issuerOnly: true }), now);
    expect(far).toHaveLength(1);
    expect(far[0]).toMatchObject({ role: "ca", state: "ok" });
    expect(far[0]!.warning).toBeUndefined();

    const soon = ca(EXPIRY_WARNING_DAYS - 2, now);
    const [s] = expiryOf(loadCaMaterial({ caCertPem: soon.certPem, caKeyPem: soon.keyPem }, { issuerOnly: true }), now);
    expect(s).toMatchObject({ state: "expiring", daysLeft: EXPIRY_WARNING_DAYS - 2 });
    expect(s!.warning).toMatch(/expires in 28 days/);

    const old = ca(10, now - 20 * DAY);
    const [e] = expiryOf(loadCaMaterial({ caCertPem: old.certPem, caKeyPem: old.keyPem }, { issuerOnly: true }), now);
    expect(e).toMatchObject({ role: "ca", state: "expired" });
    expect(e!.daysLeft).toBeLessThan(0);
    expect(e!.warning).toMatch(/EXPIRED on .*GetCACert still serves it/);
  });

  it("the chain's certificates and the RA are checked too", () => {
    const root = ca(20, now, "Root");
    const rootMaterial = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem }, { issuerOnly: true });
    const issuing = generateCa({
      subject: { commonName: "Issuing" },
      key: { algorithm: "rsa", bits: 2048 },
      validityDays: 15,
      issuer: rootMaterial,
      now: new Date(now),
      randomBytes: rnd,
    });
    const material = loadCaMaterial({ caCertPem: issuing.certPem + root.certPem, caKeyPem: issuing.keyPem }, { issuerOnly: true });
    const ra = generateRaPair({
      ca: material,
      subject: { commonName: "RA" },
      key: { algorithm: "rsa", bits: 2048 },
      now: new Date(now),
      randomBytes: rnd,
    });
    const list = expiryOf(
      loadCaMaterial({ caCertPem: issuing.certPem + root.certPem, caKeyPem: issuing.keyPem, raCertPem: ra.certPem, raKeyPem: ra.keyPem }),
      now,
    );
    expect(list.map((s) => s.role)).toEqual(["ca", "chain", "ra"]);
    expect(list[1]).toMatchObject({ subject: "CN=Root", state: "expiring" });
  });

  it("the first request of an isolate logs each warning once per configuration, without key material", () => {
    const old = ca(10, Date.now() - 20 * DAY);
    const config = loadConfig({ CA_CERT: old.certPem, CA_KEY: old.keyPem, SCEP_CHALLENGE: "expiry-test" } as unknown as Env);
    if (config instanceof ConfigError) throw config;
    const lines: string[] = [];
    const runtime = {
      now: () => new Date(),
      randomBytes: rnd,
      log: (event: string, fields: Record<string, unknown>) => lines.push(JSON.stringify({ event, ...fields })),
    };
    warnExpiryOnce(config, runtime);
    warnExpiryOnce(config, runtime);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: "expiry-warning", role: "ca", state: "expired" });
    expect(lines[0]).not.toContain("PRIVATE KEY");
    expect(lines[0]).not.toContain(old.keyPem.split("\n")[1]!);
  });

  it("an Intune client secret expiring within 30 days is logged at start too, never the secret", () => {
    const fresh = ca(365, Date.now());
    const soon = new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10);
    const secret = "entra-client-secret-value-123";
    const config = loadConfig({
      CA_CERT: fresh.certPem,
      CA_KEY: fresh.keyPem,
      CHALLENGE_MODE: "intune",
      INTUNE_TENANT_ID: "contoso.onmicrosoft.com",
      INTUNE_CLIENT_ID: "00000000-0000-0000-0000-000000000001",
      INTUNE_CLIENT_SECRET: secret,
      INTUNE_CLIENT_SECRET_EXPIRES: soon,
    } as unknown as Env);
    if (config instanceof ConfigError) throw config;
    const lines: string[] = [];
    warnExpiryOnce(config, { now: () => new Date(), randomBytes: rnd, log: (event, fields) => lines.push(JSON.stringify({ event, ...fields })) });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: "expiry-warning", role: "intune-credential" });
    expect(lines[0]).toMatch(/expires in (9|10) days/);
    expect(lines[0]).not.toContain(secret);
  });
});
