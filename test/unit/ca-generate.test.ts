import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateCa, generateCaCsr, generateRaPair } from "../../src/ca/ca-generate";
import { loadCaMaterial } from "../../src/ca/ca-material";
import { bytesToHex } from "../../src/util/bytes";
import { keyIdFromText, openssl, randomBytes, scratch, x509Text } from "./ca-test-helpers";

const now = new Date("2026-11-28T00:00:00Z");
const at = String(Math.floor(now.getTime() / 1000) + 60);

describe("generateCa / generateRaPair", () => {
  it("root -> issuing CA (EC) -> RA: the chain verifies with openssl and the extensions are CA-grade", () => {
    const root = generateCa({
      subject: { commonName: "Gen Root", organization: "Edge", country: "DE" },
      key: { algorithm: "rsa", bits: 3072 },
      validityDays: 3650,
      now,
      randomBytes,
    });
    const rootM = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem });
    const issuing = generateCa({
      subject: { commonName: "Gen Issuing" },
      key: { algorithm: "ec", curve: "P-256" },
      validityDays: 1825,
      issuer: rootM,
      pathLength: 0,
      now,
      randomBytes,
    });
    const issuingM = loadCaMaterial({ caCertPem: issuing.certPem + root.certPem, caKeyPem: issuing.keyPem }, { issuerOnly: true });
    const ra = generateRaPair({ ca: issuingM, now, randomBytes });

    const s = scratch();
    const rootFile = s.write("root.pem", root.certPem);
    const issuingFile = s.write("issuing.pem", issuing.certPem);
    const raFile = s.write("ra.pem", ra.certPem);
    expect(openssl(["verify", "-attime", at, "-x509_strict", "-CAfile", rootFile, rootFile]).status).toBe(0);
    const v = openssl(["verify", "-attime", at, "-x509_strict", "-CAfile", rootFile, issuingFile]);
    expect(v.out).toContain("OK");
    expect(v.status).toBe(0);
    expect(openssl(["verify", "-attime", at, "-x509_strict", "-CAfile", rootFile, "-untrusted", issuingFile, raFile]).status).toBe(0);
    // The RA must not verify against an unrelated root: the check above can fail.
    const other = generateCa({ subject: { commonName: "Unrelated" }, key: { algorithm: "ec" }, validityDays: 10, now, randomBytes });
    expect(openssl(["verify", "-attime", at, "-CAfile", s.write("other.pem", other.certPem), "-untrusted", issuingFile, raFile]).status).not.toBe(0);

    const rootText = x509Text(root.certDer);
    expect(rootText).toMatch(/X509v3 Basic Constraints: critical\s*\n\s*CA:TRUE\n/);
    expect(rootText).toMatch(/X509v3 Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment, Certificate Sign, CRL Sign\n/);
    expect(rootText).toContain("Public-Key: (3072 bit)");
    expect(keyIdFromText(rootText, "Authority Key Identifier")).toBe(keyIdFromText(rootText, "Subject Key Identifier"));
    expect(new X509Certificate(Buffer.from(root.certDer)).subject).toBe("C=DE\nO=Edge\nCN=Gen Root");

    const issuingText = x509Text(issuing.certDer);
    expect(issuingText).toMatch(/CA:TRUE, pathlen:0/);
    expect(issuingText).toContain("Signature Algorithm: sha256WithRSAEncryption");
    expect(keyIdFromText(issuingText, "Authority Key Identifier")).toBe(bytesToHex(rootM.caSubjectKeyId, true));
    expect(bytesToHex(issuingM.caSubjectKeyId, true)).toBe(keyIdFromText(issuingText, "Subject Key Identifier"));

    const raText = x509Text(ra.certDer);
    expect(raText).toMatch(/X509v3 Basic Constraints: critical\s*\n\s*CA:FALSE/);
    expect(raText).toMatch(/X509v3 Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment\n/);
    expect(raText).toContain("Signature Algorithm: ecdsa-with-SHA256");
    expect(new X509Certificate(Buffer.from(ra.certDer)).ca).toBe(false);
    expect(ra.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it("caps an intermediate's validity at its issuer's", () => {
    const root = generateCa({ subject: { commonName: "Short Root" }, key: { algorithm: "ec" }, validityDays: 10, now, randomBytes });
    const rootM = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem }, { issuerOnly: true });
    const sub = generateCa({ subject: { commonName: "Long Sub" }, key: { algorithm: "ec" }, validityDays: 1000, issuer: rootM, now, randomBytes });
    expect(new X509Certificate(Buffer.from(sub.certDer)).validTo).toBe(new X509Certificate(Buffer.from(root.certDer)).validTo);
  });

  it("generateCaCsr: openssl accepts the request's signature and sees the CA extension request", () => {
    const { csrPem, keyPem } = generateCaCsr({
      subject: { commonName: "External Issuing", organization: "Edge" },
      key: { algorithm: "rsa", bits: 2048 },
    });
    const s = scratch();
    const out = openssl(["req", "-in", s.write("req.pem", csrPem), "-noout", "-verify", "-text"]);
    expect(out.status).toBe(0);
    expect(out.out).toMatch(/verify OK|Certificate request self-signature verify OK/);
    expect(out.out).toMatch(/CA:TRUE/);
    expect(out.out).toContain("Subject: O = Edge, CN = External Issuing");
    expect(keyPem).toMatch(/BEGIN PRIVATE KEY/);
  });
});
