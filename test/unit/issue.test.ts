import { X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { beforeAll, describe, expect, it } from "vitest";
import { generateCa } from "../../src/ca/ca-generate";
import { loadCaMaterial, type CaMaterial } from "../../src/ca/ca-material";
import { parseCsr, type ParsedCsr } from "../../src/ca/csr";
import { issueCertificate, type IssueInput } from "../../src/ca/issue";
import { checkRequestedNames, DEFAULT_NAME_POLICY } from "../../src/ca/name-policy";
import { defaultProfile, type CertificateProfile } from "../../src/ca/profiles";
import type { HashName } from "../../src/crypto/algorithms";
import { randomSerial, serialToHex } from "../../src/ca/serial";
import { bytesToHex, toBytes } from "../../src/util/bytes";
import { fixture, keyIdFromText, openssl, randomBytes, scratch, x509Text } from "./ca-test-helpers";

const caNow = new Date("2026-01-01T00:00:00Z");
let ca: CaMaterial;
let caPem: string;

beforeAll(() => {
  const root = generateCa({
    subject: { commonName: "Issue Test CA", organization: "Edge" },
    key: { algorithm: "rsa", bits: 2048 },
    validityDays: 3650,
    now: caNow,
    randomBytes,
  });
  caPem = root.certPem;
  ca = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem });
});

function tbsParts(der: Uint8Array) {
  const cert = pkijs.Certificate.fromBER(der);
  const tbs = (asn1js.fromBER(cert.tbsView).result as asn1js.Sequence).valueBlock.value;
  // [0] version, serial, signature, issuer, validity, subject, spki, [3] extensions
  return {
    cert,
    issuer: tbs[3]!.valueBeforeDecodeView,
    validity: tbs[4] as asn1js.Sequence,
    subject: tbs[5]!.valueBeforeDecodeView,
    spki: tbs[6]!.valueBeforeDecodeView,
  };
}

/** What the enrollment pipeline hands the issuer for this CSR: names after the policy, the default profile. */
function issueInput(
  csr: ParsedCsr,
  o: {
    ca: CaMaterial;
    serial: Uint8Array;
    now: Date;
    validityDays: number;
    backdateSeconds: number;
    hash?: HashName;
    crlUrl?: string;
    caIssuersUrl?: string;
  },
): IssueInput {
  const check = checkRequestedNames(
    { subjectDer: csr.subjectDer, subjectAltNameDer: csr.subjectAltNameDer, subjectAltNameCritical: csr.subjectAltNameCritical },
    DEFAULT_NAME_POLICY,
    { intuneValidated: false },
  );
  if (!check.ok) throw new Error(check.reason);
  const n = check.names;
  return {
    key: { spkiDer: csr.spkiDer, algorithm: csr.key.algorithm },
    names: {
      subjectDer: n.subjectDer,
      subjectText: n.subjectText,
      subjectAltNameDer: n.subjectAltNameDer,
      subjectAltNameCritical: n.subjectAltNameCritical,
    },
    profile: defaultProfile(o.validityDays, o.backdateSeconds),
    ca: o.ca,
    serial: o.serial,
    now: o.now,
    hash: o.hash,
    crlUrl: o.crlUrl,
    caIssuersUrl: o.caIssuersUrl,
  };
}

describe("issueCertificate", () => {
  it("issues an RSA client certificate that openssl verifies, with the profile applied", () => {
    const csr = parseCsr(fixture("rsa2048-printable.der"));
    const serial = randomSerial(randomBytes);
    const now = new Date("2026-11-28T10:20:30.456Z");
    const issued = issueCertificate(
      issueInput(csr, {
        ca,
        serial,
        now,
        validityDays: 365,
        backdateSeconds: 3600,
        crlUrl: "https://scep.example.com/crl",
        caIssuersUrl: "https://scep.example.com/ca.crt",
      }),
    );

    const s = scratch();
    const caFile = s.write("ca.pem", caPem);
    const certFile = s.write("leaf.pem", issued.der);
    const verify = openssl(["verify", "-attime", String(Math.floor(now.getTime() / 1000)), "-purpose", "sslclient", "-CAfile", caFile, certFile]);
    expect(verify.out).toContain(": OK");
    expect(verify.status).toBe(0);

    const x = new X509Certificate(Buffer.from(issued.der));
    expect(x.subject).toBe("O=Acme Devices\nCN=device-001");
    expect(x.issuer).toBe("O=Edge\nCN=Issue Test CA");
    expect(x.subjectAltName).toBe("DNS:device-001.example.com, email:dev@example.com, URI:urn:uuid:6f1c1e9a-0000-4000-8000-000000000001");
    expect(x.ca).toBe(false);
    expect(x.fingerprint256.replace(/:/g, "")).toBe(issued.sha256Hex);
    expect(x.fingerprint.replace(/:/g, "")).toBe(issued.sha1Hex);
    expect(x.serialNumber.toUpperCase()).toBe(issued.serialHex);
    expect(issued.serialHex).toBe(serialToHex(serial));
    expect(issued.serialHex).toMatch(/^[0-7][0-9A-F]{31}$/); // 16 bytes, positive
    expect(issued.serialHex.startsWith("00")).toBe(false);
    // Backdated by an hour, milliseconds dropped; one year later.
    expect(issued.notBefore.toISOString()).toBe("2026-11-28T09:20:30.000Z");
    expect(issued.notAfter.toISOString()).toBe("2027-11-28T10:20:30.000Z");
    expect(new Date(x.validFrom).toISOString()).toBe("2026-11-28T09:20:30.000Z");
    expect(issued.subjectText).toBe("CN=device-001,O=Acme Devices");

    const text = x509Text(issued.der);
    expect(text).toMatch(/X509v3 Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s*\n\s*TLS Web Client Authentication\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s*\n\s*CA:FALSE/);
    expect(text).toContain("URI:https://scep.example.com/crl");
    expect(text).toContain("CA Issuers - URI:https://scep.example.com/ca.crt");
    expect(text).toContain("Signature Algorithm: sha256WithRSAEncryption");
    expect(text).toContain("Version: 3 (0x2)");
    expect(keyIdFromText(text, "Authority Key Identifier")).toBe(bytesToHex(ca.caSubjectKeyId, true));
    expect(keyIdFromText(text, "Subject Key Identifier")).toMatch(/^[0-9A-F]{40}$/);
    expect(keyIdFromText(text, "Subject Key Identifier")).not.toBe(bytesToHex(ca.caSubjectKeyId, true));

    // Byte-exact copies: subject and SPKI from the CSR, issuer from the CA certificate.
    const parts = tbsParts(issued.der);
    expect(bytesToHex(parts.subject)).toBe(bytesToHex(csr.subjectDer));
    expect(bytesToHex(parts.spki)).toBe(bytesToHex(csr.spkiDer));
    expect(bytesToHex(parts.issuer)).toBe(bytesToHex(ca.caSubjectDer));
    expect(parts.validity.valueBlock.value[0]).toBeInstanceOf(asn1js.UTCTime);
  });

  it("EC key: keyUsage digitalSignature only, UTF8 subject copied byte for byte", () => {
    for (const [file, ku] of [
      ["ec-p256.der", "Digital Signature\n"],
      ["rsa2048-utf8.der", "Digital Signature, Key Encipherment\n"],
    ] as const) {
      const csr = parseCsr(fixture(file));
      const issued = issueCertificate(
        issueInput(csr, { ca, serial: randomSerial(randomBytes), now: new Date("2026-06-01T00:00:00Z"), validityDays: 30, backdateSeconds: 0 }),
      );
      expect(x509Text(issued.der)).toMatch(new RegExp(`X509v3 Key Usage: critical\\s*\\n\\s*${ku}`));
      expect(bytesToHex(tbsParts(issued.der).subject)).toBe(bytesToHex(csr.subjectDer));
    }
    const ec = issueCertificate(
      issueInput(parseCsr(fixture("ec-p256.der")), {
        ca,
        serial: randomSerial(randomBytes),
        now: new Date("2026-06-01T00:00:00Z"),
        validityDays: 30,
        backdateSeconds: 0,
      }),
    );
    expect(new X509Certificate(Buffer.from(ec.der)).subjectAltName).toBe("DNS:ec.example.com, IP Address:10.1.2.3");
  });

  it("caps notAfter at the CA's notAfter", () => {
    const csr = parseCsr(fixture("rsa2048-printable.der"));
    const now = new Date("2035-06-01T00:00:00Z");
    const issued = issueCertificate(issueInput(csr, { ca, serial: randomSerial(randomBytes), now, validityDays: 3650, backdateSeconds: 60 }));
    expect(issued.notAfter.getTime()).toBe(ca.caCert.notAfter.getTime());
    expect(new Date(new X509Certificate(Buffer.from(issued.der)).validTo).getTime()).toBe(ca.caCert.notAfter.getTime());
  });

  it("uses GeneralizedTime from 2050 (RFC 5280 §4.1.2.5) and an ECDSA signature from an EC CA", () => {
    const longCa = generateCa({
      subject: { commonName: "Long EC CA" },
      key: { algorithm: "ec", curve: "P-384" },
      validityDays: 40 * 365,
      now: new Date("2040-01-01T00:00:00Z"),
      randomBytes,
    });
    const m = loadCaMaterial({ caCertPem: longCa.certPem, caKeyPem: longCa.keyPem }, { issuerOnly: true });
    const now = new Date("2049-12-01T00:00:00Z");
    const issued = issueCertificate(
      issueInput(parseCsr(fixture("ec-p256.der")), {
        ca: m,
        serial: randomSerial(randomBytes),
        now,
        validityDays: 90,
        backdateSeconds: 0,
        hash: "sha384",
      }),
    );
    const validity = tbsParts(issued.der).validity.valueBlock.value;
    expect(validity[0]).toBeInstanceOf(asn1js.UTCTime);
    expect(validity[1]).toBeInstanceOf(asn1js.GeneralizedTime);
    expect(bytesToHex(toBytes(validity[1]!.toBER()))).toBe(bytesToHex(new TextEncoder().encode("\x18\x0f20500301000000Z")));
    const s = scratch();
    const verify = openssl([
      "verify",
      "-attime",
      String(Math.floor(now.getTime() / 1000)),
      "-CAfile",
      s.write("ca.pem", longCa.certPem),
      s.write("leaf.pem", issued.der),
    ]);
    expect(verify.status).toBe(0);
    expect(x509Text(issued.der)).toContain("Signature Algorithm: ecdsa-with-SHA384");
  });

  it("marks the SAN critical when the subject is empty (RFC 5280 §4.2.1.6)", () => {
    const csr = { ...parseCsr(fixture("ec-p256.der")), subjectDer: new Uint8Array([0x30, 0x00]) } as ParsedCsr;
    const issued = issueCertificate(
      issueInput(csr, { ca, serial: randomSerial(randomBytes), now: new Date("2026-06-01T00:00:00Z"), validityDays: 30, backdateSeconds: 0 }),
    );
    expect(x509Text(issued.der)).toMatch(/X509v3 Subject Alternative Name: critical/);
    expect(new X509Certificate(Buffer.from(issued.der)).subject ?? "").toBe("");
    expect(bytesToHex(tbsParts(issued.der).subject)).toBe("3000");
  });
});

describe("issueCertificate with an honoured request's usage (src/ca/requested-usage.ts)", () => {
  const now = new Date("2026-03-01T00:00:00Z");
  const issue = (usage: IssueInput["usage"], profile: Partial<CertificateProfile> = {}) => {
    const input = issueInput(parseCsr(fixture("rsa2048-printable.der")), {
      ca,
      serial: randomSerial(randomBytes),
      now,
      validityDays: 365,
      backdateSeconds: 0,
    });
    return issueCertificate({ ...input, usage, profile: { ...input.profile, ...profile } });
  };

  it("writes the requested key usage and extended key usages, not the profile's", () => {
    const issued = issue({ keyUsage: ["keyEncipherment"], extendedKeyUsage: ["1.3.6.1.5.5.7.3.6", "1.3.6.1.5.5.7.3.2"], fromRequest: ["keyUsage"] });
    const text = x509Text(issued.der);
    expect(text).toMatch(/X509v3 Key Usage: critical\s*\n\s*Key Encipherment\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s*\n\s*IPSec Tunnel, TLS Web Client Authentication\n/);
  });

  it("a shorter requested validity is issued as asked (30 days)", () => {
    const issued = issue({ keyUsage: ["digitalSignature"], extendedKeyUsage: [], fromRequest: ["validity"], validity: { count: 30, unit: "days" } });
    expect(issued.notAfter.toISOString()).toBe("2026-03-31T00:00:00.000Z");
  });

  it("a longer one is capped at validityDays, or at maxValidityDays when the profile sets one", () => {
    const usage = {
      keyUsage: ["digitalSignature"] as const,
      extendedKeyUsage: [],
      fromRequest: ["validity" as const],
      validity: { count: 2, unit: "years" as const },
    };
    expect(issue({ ...usage, keyUsage: [...usage.keyUsage] }).notAfter.toISOString()).toBe("2027-03-01T00:00:00.000Z");
    expect(issue({ ...usage, keyUsage: [...usage.keyUsage] }, { maxValidityDays: 500 }).notAfter.toISOString()).toBe("2027-07-14T00:00:00.000Z");
    expect(
      issue({ ...usage, keyUsage: [...usage.keyUsage], validity: { count: 18, unit: "months" } }, { maxValidityDays: 730 }).notAfter.toISOString(),
    ).toBe("2027-09-01T00:00:00.000Z");
  });
});

describe("randomSerial", () => {
  it("is 16 bytes, positive, never a leading zero, from the given randomness", () => {
    expect(serialToHex(randomSerial((n) => new Uint8Array(n).fill(0xff)))).toBe("7F" + "FF".repeat(15));
    expect(serialToHex(randomSerial((n) => new Uint8Array(n)))).toBe("01" + "00".repeat(15));
    expect(serialToHex(randomSerial((n) => new Uint8Array(n).fill(0x80)))).toBe("01" + "80".repeat(15));
    expect(() => randomSerial(() => new Uint8Array(8))).toThrow();
  });
});
