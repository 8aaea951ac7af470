// SCEP clients encrypt their requests with RSA key transport (RFC 8894 §3.5.2, RFC 5652 §6.2.1) to
// the RA certificate when GetCACert names one, else to the CA certificate. An EC CA without an RSA RA
// can therefore never receive an enrollment: loadCaMaterial refuses that configuration, naming
// RA_CERT, so the Worker answers 503 with the setting to fix instead of serving a dead endpoint.
import { beforeAll, describe, expect, it } from "vitest";
import { CaConfigError, loadCaMaterial, type CaMaterialInput } from "../../src/ca/ca-material";
import { generateCa, generateRaPair, type GeneratedPair } from "../../src/ca/ca-generate";
import { randomBytes } from "./ca-test-helpers";

const now = new Date("2026-11-28T12:00:00Z");
let ecCa: GeneratedPair;
let rsaCa: GeneratedPair;
let rsaRaOfEc: GeneratedPair;
let ecRaOfEc: GeneratedPair;
let ecRaOfRsa: GeneratedPair;

beforeAll(() => {
  ecCa = generateCa({ subject: { commonName: "EC Issuing" }, key: { algorithm: "ec", curve: "P-256" }, validityDays: 365, now, randomBytes });
  rsaCa = generateCa({ subject: { commonName: "RSA Issuing" }, key: { algorithm: "rsa", bits: 2048 }, validityDays: 365, now, randomBytes });
  const ecIssuer = loadCaMaterial({ caCertPem: ecCa.certPem, caKeyPem: ecCa.keyPem }, { issuerOnly: true });
  rsaRaOfEc = generateRaPair({ ca: ecIssuer, key: { algorithm: "rsa", bits: 2048 }, now, randomBytes });
  ecRaOfEc = generateRaPair({ ca: ecIssuer, key: { algorithm: "ec" }, now, randomBytes });
  ecRaOfRsa = generateRaPair({
    ca: loadCaMaterial({ caCertPem: rsaCa.certPem, caKeyPem: rsaCa.keyPem }),
    key: { algorithm: "ec" },
    now,
    randomBytes,
  });
});

function refusal(input: CaMaterialInput): CaConfigError {
  try {
    loadCaMaterial(input);
  } catch (e) {
    expect(e).toBeInstanceOf(CaConfigError);
    return e as CaConfigError;
  }
  throw new Error("expected a CaConfigError");
}

describe("loadCaMaterial: the certificate clients encrypt to must hold an RSA key", () => {
  it("EC CA without an RA -> RA_CERT, saying an EC CA needs an RSA RA", () => {
    const e = refusal({ caCertPem: ecCa.certPem, caKeyPem: ecCa.keyPem });
    expect(e.setting).toBe("RA_CERT");
    expect(e.message).toMatch(/^RA_CERT: .*EC CA needs an RSA RA \(RA_CERT\/RA_KEY\)/);
    expect(e.message).not.toMatch(/PRIVATE KEY|MII/);
  });

  it("EC CA with an EC RA -> RA_CERT", () => {
    const e = refusal({ caCertPem: ecCa.certPem, caKeyPem: ecCa.keyPem, raCertPem: ecRaOfEc.certPem, raKeyPem: ecRaOfEc.keyPem });
    expect(e.setting).toBe("RA_CERT");
    expect(e.message).toMatch(/RSA/);
  });

  it("RSA CA with an EC RA -> RA_CERT (clients encrypt to the RA when there is one)", () => {
    const e = refusal({ caCertPem: rsaCa.certPem, caKeyPem: rsaCa.keyPem, raCertPem: ecRaOfRsa.certPem, raKeyPem: ecRaOfRsa.keyPem });
    expect(e.setting).toBe("RA_CERT");
  });

  it("EC CA with an RSA RA loads", () => {
    const m = loadCaMaterial({ caCertPem: ecCa.certPem, caKeyPem: ecCa.keyPem, raCertPem: rsaRaOfEc.certPem, raKeyPem: rsaRaOfEc.keyPem });
    expect(m.caKey.algorithm).toBe("ec");
    expect(m.ra?.key.algorithm).toBe("rsa");
  });

  it("RSA CA without an RA loads", () => {
    expect(loadCaMaterial({ caCertPem: rsaCa.certPem, caKeyPem: rsaCa.keyPem }).caKey.algorithm).toBe("rsa");
  });

  it("issuerOnly (tools generating certificates under a CA) loads an EC CA without an RA", () => {
    const m = loadCaMaterial({ caCertPem: ecCa.certPem, caKeyPem: ecCa.keyPem }, { issuerOnly: true });
    expect(m.caKey.algorithm).toBe("ec");
  });
});
