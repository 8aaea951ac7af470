import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { CaConfigError, loadCaMaterial } from "../../src/ca/ca-material";
import { generateCa, generateRaPair, type GeneratedPair } from "../../src/ca/ca-generate";
import { bytesToHex } from "../../src/util/bytes";
import { keyIdFromText, randomBytes, x509Text } from "./ca-test-helpers";

const now = new Date("2026-11-28T12:00:00Z");
let root: GeneratedPair;
let otherRoot: GeneratedPair;

function expectConfigError(fn: () => unknown, setting: string, problem: RegExp): CaConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CaConfigError);
    const err = e as CaConfigError;
    expect(err.setting).toBe(setting);
    expect(err.message).toMatch(new RegExp(`^${setting}: `));
    expect(err.message).toMatch(problem);
    expect(err.message).not.toMatch(/PRIVATE KEY|MII/);
    return err;
  }
  throw new Error("expected a CaConfigError");
}

beforeAll(() => {
  root = generateCa({
    subject: { commonName: "Test Root", organization: "Edge" },
    key: { algorithm: "rsa", bits: 2048 },
    validityDays: 3650,
    now,
    randomBytes,
  });
  otherRoot = generateCa({ subject: { commonName: "Other Root" }, key: { algorithm: "ec" }, validityDays: 3650, now, randomBytes });
});

describe("loadCaMaterial", () => {
  it("loads a root CA: fingerprint, subject bytes, SKI", () => {
    const m = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem });
    const x = new X509Certificate(Buffer.from(m.caCertDer));
    expect(m.fingerprintSha256Hex).toBe(x.fingerprint256.replace(/:/g, ""));
    expect(m.chainDers).toHaveLength(0);
    expect(m.caKey.algorithm).toBe("rsa");
    expect(bytesToHex(m.caSubjectKeyId, true)).toBe(keyIdFromText(x509Text(m.caCertDer), "Subject Key Identifier"));
    // The subject DER sits inside the certificate verbatim.
    expect(Buffer.from(m.caCertDer).includes(Buffer.from(m.caSubjectDer))).toBe(true);
    expect(m.ra).toBeUndefined();
  });

  it("takes the first PEM block as the issuing CA and keeps the rest as chain, tolerating literal \\n", () => {
    const rootMaterial = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem });
    const sub = generateCa({
      subject: { commonName: "Issuing" },
      key: { algorithm: "ec" },
      validityDays: 365,
      issuer: rootMaterial,
      now,
      randomBytes,
    });
    const escaped = (sub.certPem + root.certPem).replace(/\n/g, "\\n");
    const m = loadCaMaterial({ caCertPem: escaped, caKeyPem: sub.keyPem.replace(/\n/g, "\\n") }, { issuerOnly: true });
    expect(m.caKey.algorithm).toBe("ec");
    expect(m.chainDers).toHaveLength(1);
    expect(bytesToHex(m.chainDers[0]!)).toBe(bytesToHex(rootMaterial.caCertDer));
  });

  it("names CA_KEY when the key does not match the certificate", () => {
    expectConfigError(() => loadCaMaterial({ caCertPem: root.certPem, caKeyPem: otherRoot.keyPem }), "CA_KEY", /does not match/);
  });

  it("names the missing setting", () => {
    expectConfigError(() => loadCaMaterial({ caCertPem: "", caKeyPem: root.keyPem }), "CA_CERT", /missing/);
    expectConfigError(() => loadCaMaterial({ caCertPem: root.certPem, caKeyPem: "  " }), "CA_KEY", /missing/);
  });

  it("refuses text that is not a certificate, and an unreadable key", () => {
    expectConfigError(() => loadCaMaterial({ caCertPem: "hello", caKeyPem: root.keyPem }), "CA_CERT", /not a certificate/);
    const broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    expectConfigError(() => loadCaMaterial({ caCertPem: broken, caKeyPem: root.keyPem }), "CA_CERT", /not a certificate/);
    expectConfigError(
      () => loadCaMaterial({ caCertPem: root.certPem, caKeyPem: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----" }),
      "CA_KEY",
      /not a readable/,
    );
  });

  it("refuses a CA_CERT that is not a CA (basicConstraints cA false)", () => {
    const rootMaterial = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem });
    const ra = generateRaPair({ ca: rootMaterial, now, randomBytes });
    expectConfigError(() => loadCaMaterial({ caCertPem: ra.certPem, caKeyPem: ra.keyPem }), "CA_CERT", /not a CA \(basicConstraints cA is false\)/);
  });

  it("loads an RA pair, and refuses RA_CERT without RA_KEY (and the reverse)", () => {
    const rootMaterial = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem });
    const ra = generateRaPair({ ca: rootMaterial, now, randomBytes });
    const m = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem, raCertPem: ra.certPem, raKeyPem: ra.keyPem });
    expect(m.ra?.key.algorithm).toBe("rsa");
    expect(bytesToHex(m.ra!.der)).toBe(bytesToHex(ra.certDer));
    expectConfigError(() => loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem, raCertPem: ra.certPem }), "RA_KEY", /missing/);
    expectConfigError(() => loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem, raKeyPem: ra.keyPem }), "RA_CERT", /missing/);
    expectConfigError(
      () => loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem, raCertPem: ra.certPem, raKeyPem: root.keyPem }),
      "RA_KEY",
      /does not match/,
    );
  });

  it("accepts a NEXT_CA_CERT signed by the current CA and refuses one that is not", () => {
    const rootMaterial = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem });
    const next = generateCa({
      subject: { commonName: "Next" },
      key: { algorithm: "rsa" },
      validityDays: 365,
      issuer: rootMaterial,
      now,
      randomBytes,
    });
    const m = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem, nextCaCertPem: next.certPem });
    expect(bytesToHex(m.nextCaDer!)).toBe(bytesToHex(next.certDer));
    expectConfigError(
      () => loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem, nextCaCertPem: otherRoot.certPem }),
      "NEXT_CA_CERT",
      /not signed by the current CA/,
    );
  });
});

// caValidityWarning (used by no code, only by its test) is gone; the validity it read is checked here.
describe("CA validity", () => {
  it("is read from CA_CERT as OpenSSL reads it", () => {
    const m = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem });
    const x = new X509Certificate(root.certPem);
    expect(m.caCert.notBefore.getTime()).toBe(new Date(x.validFrom).getTime());
    expect(m.caCert.notAfter.getTime()).toBe(new Date(x.validTo).getTime());
  });
});
