// An EC CA is only reachable through an RSA RA (clients encrypt with RSA key transport, RFC 8894
// §3.5.2): without one the Worker answers 503 naming RA_CERT instead of serving a CA no client can
// ever enroll with. Driven through the exported handler with a fake env, like config-errors.test.ts.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateCa, generateRaPair } from "../../src/ca/ca-generate";
import { loadCaMaterial } from "../../src/ca/ca-material";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { WORKER_TEST_CHALLENGE } from "./support/scep-harness";

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const now = new Date();
const ecCa = generateCa({
  subject: { commonName: "Worker EC CA" },
  key: { algorithm: "ec", curve: "P-256" },
  validityDays: 30,
  now,
  randomBytes: rnd,
});
const issuer = loadCaMaterial({ caCertPem: ecCa.certPem, caKeyPem: ecCa.keyPem }, { issuerOnly: true });

function envWith(extra: Record<string, string>): Env {
  return { CA_CERT: ecCa.certPem, CA_KEY: ecCa.keyPem, SCEP_CHALLENGE: WORKER_TEST_CHALLENGE, CHALLENGE_MODE: "static", ...extra } as unknown as Env;
}

async function getCaCaps(env: Env): Promise<{ status: number; body: string }> {
  const res = await worker.fetch(new Request("http://scep.test/scep?operation=GetCACaps"), env);
  return { status: res.status, body: await res.text() };
}

describe("EC CA and the RA clients encrypt to", () => {
  it("EC CA without RA -> 503 naming RA_CERT", async () => {
    const r = await getCaCaps(envWith({}));
    expect(r.status).toBe(503);
    expect(r.body).toContain("RA_CERT");
    expect(r.body).toMatch(/EC CA needs an RSA RA/);
    expect(r.body).not.toContain("PRIVATE KEY");
  });

  it("EC CA with an EC RA -> 503 naming RA_CERT", async () => {
    const ra = generateRaPair({ ca: issuer, key: { algorithm: "ec" }, now, randomBytes: rnd });
    const r = await getCaCaps(envWith({ RA_CERT: ra.certPem, RA_KEY: ra.keyPem }));
    expect(r.status).toBe(503);
    expect(r.body).toContain("RA_CERT");
  });

  it("EC CA with an RSA RA is served", async () => {
    const ra = generateRaPair({ ca: issuer, key: { algorithm: "rsa", bits: 2048 }, now, randomBytes: rnd });
    const r = await getCaCaps(envWith({ RA_CERT: ra.certPem, RA_KEY: ra.keyPem }));
    expect(r.status, r.body).toBe(200);
  });
});
