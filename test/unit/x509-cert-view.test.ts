// parseCertView on well-formed certificates, field by field against Node's X509Certificate (an
// independent parser): RSA and EC, a chain, real-client captures, UTCTime and GeneralizedTime, a v1
// certificate without version or extensions. Malformed input is in cert-view-malformed.test.ts.
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { tlv } from "../../src/asn1/der";
import { parsePem } from "../../src/asn1/pem";
import { generateCa } from "../../src/ca/ca-generate";
import { loadCaMaterial } from "../../src/ca/ca-material";
import { hashForSignature, verifyBytes } from "../../src/crypto/signature";
import { bytesToHex } from "../../src/util/bytes";
import { parseCertView, type CertView } from "../../src/x509/cert-view";
import { randomBytes } from "./ca-test-helpers";
import { fixtureText } from "./support/real-clients";

const now = new Date("2026-11-28T12:00:00Z");
const rsaRoot = generateCa({
  subject: { commonName: "View RSA Root", organization: "Edge SCEP tests" },
  key: { algorithm: "rsa", bits: 2048 },
  validityDays: 3650,
  now,
  randomBytes,
});
const rsaMaterial = loadCaMaterial({ caCertPem: rsaRoot.certPem, caKeyPem: rsaRoot.keyPem }, { issuerOnly: true });
const ecIntermediate = generateCa({
  subject: { commonName: "View EC Issuing", country: "GB" },
  key: { algorithm: "ec", curve: "P-384" },
  validityDays: 365,
  issuer: rsaMaterial,
  now,
  randomBytes,
});
// notAfter in 2051: GeneralizedTime (RFC 5280 §4.1.2.5).
const longLived = generateCa({
  subject: { commonName: "View 2051" },
  key: { algorithm: "ec", curve: "P-256" },
  validityDays: 25 * 365,
  now,
  randomBytes,
});

/** A v1 certificate: no [0] version, no extensions (RFC 5280 §4.1.2.1), signature bytes not checked here. */
function v1Certificate(): Uint8Array {
  const x = parseCertView(rsaRoot.certDer);
  const alg = tlv(0x30, Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b), Uint8Array.of(0x05, 0x00));
  const validity = tlv(0x30, tlv(0x17, new TextEncoder().encode("261128120000Z")), tlv(0x17, new TextEncoder().encode("271128120000Z")));
  const tbs = tlv(0x30, x.serialTlv, alg, x.subjectDer, validity, x.subjectDer, x.spkiDer);
  return tlv(0x30, tbs, alg, tlv(0x03, Uint8Array.of(0), new Uint8Array(256)));
}

const ROWS: { what: string; der: Uint8Array; issuer?: Uint8Array; ski: boolean }[] = [
  { what: "RSA root (self-signed, v3)", der: rsaRoot.certDer, issuer: rsaRoot.certDer, ski: true },
  { what: "EC P-384 intermediate signed by the RSA root", der: ecIntermediate.certDer, issuer: rsaRoot.certDer, ski: true },
  { what: "EC P-256 with a GeneralizedTime notAfter", der: longLived.certDer, issuer: longLived.certDer, ski: true },
  {
    what: "the OpenSSL test CA of the real-client captures",
    der: parsePem(fixtureText("test-ca.pem"))[0]!.der,
    issuer: parsePem(fixtureText("test-ca.pem"))[0]!.der,
    ski: true,
  },
  { what: "a v1 certificate (no version, no extensions)", der: v1Certificate(), ski: false },
];

describe("parseCertView reads what X509Certificate reads", () => {
  it.each(ROWS)("$what", ({ der, issuer, ski }) => {
    const view: CertView = parseCertView(der);
    const x = new X509Certificate(Buffer.from(der));
    expect(view.der).toBe(der);
    expect(BigInt(`0x${bytesToHex(view.serial)}`)).toBe(BigInt(`0x${x.serialNumber}`));
    expect(view.notBefore.getTime()).toBe(new Date(x.validFrom).getTime());
    expect(view.notAfter.getTime()).toBe(new Date(x.validTo).getTime());
    expect(bytesToHex(view.spkiDer)).toBe(bytesToHex(new Uint8Array(x.publicKey.export({ type: "spki", format: "der" }))));
    expect(view.publicKey().equals(x.publicKey)).toBe(true);
    expect(view.subjectKeyId !== undefined).toBe(ski);
    // The slices are byte-exact: tbs || signatureAlgorithm || signature make up the certificate.
    expect(der.length).toBeGreaterThan(view.tbs.length + view.signature.length);
    if (issuer) {
      const issuerView = parseCertView(issuer);
      expect(bytesToHex(view.issuerDer)).toBe(bytesToHex(issuerView.subjectDer));
      const hash = hashForSignature(view.signatureAlgorithmOid)!;
      expect(verifyBytes(issuerView.publicKey(), hash, view.tbs, view.signature)).toBe(true);
      expect(x.verify(new X509Certificate(Buffer.from(issuer)).publicKey)).toBe(true);
    }
  });

  it("the GeneralizedTime row really is one (tag 0x18 in the validity)", () => {
    expect(bytesToHex(parseCertView(longLived.certDer).tbs)).toContain("180f32303531");
  });

  it("serialTlv is the INTEGER as encoded, serial its value without sign padding", () => {
    const view = parseCertView(rsaRoot.certDer);
    expect(view.serialTlv[0]).toBe(0x02);
    expect(bytesToHex(view.serialTlv.subarray(2))).toBe(bytesToHex(view.serial));
  });
});
