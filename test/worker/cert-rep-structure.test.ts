// What a successful CertRep carries and the certificate inside it (RFC 8894 §3.3.2, §3.4; checklist
// items 11, 13-15 of docs/scep-clients.md §7; the profile in src/ca/issue.ts).
import { X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { describe, expect, it } from "vitest";
import { MessageType, SCEP_OID, PkiStatus } from "../../src/scep/oids";
import { OID } from "../../src/asn1/oids";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { caCert, caCertDer, caX509, enrollOk, hex, newTransactionId, rsaKey, spkiDer, uniqueName } from "./support/scep-harness";

function extension(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return cert.extensions?.find((e) => e.extnID === oid);
}

describe("CertRep attributes", () => {
  it("echoes the transactionID byte for byte, also a 77-digit decimal (certmonger)", async () => {
    const transactionId = "9" + "0123456789".repeat(7) + "876543";
    expect(transactionId).toHaveLength(77);
    const ex = await enrollOk({ transactionId });
    const reply = parsePkiMessage(ex.body);
    expect(reply.transactionId).toBe(transactionId);
    expect(hex(reply.transactionIdBytes)).toBe(hex(new TextEncoder().encode(transactionId)));
  });

  it("echoes a base64-looking transactionID (scepclient)", async () => {
    const transactionId = "q5k0Z/8+abcDEF/gh1Ij2Kl3Mn4=="; // '+', '/' and '=' are PrintableString characters
    const ex = await enrollOk({ transactionId });
    expect(parsePkiMessage(ex.body).transactionId).toBe(transactionId);
  });

  it("recipientNonce = the request senderNonce; senderNonce is 16 fresh bytes per reply", async () => {
    const a = await enrollOk();
    const b = await enrollOk();
    const ra = parsePkiMessage(a.body);
    const rb = parsePkiMessage(b.body);
    expect(hex(ra.recipientNonce!)).toBe(hex(a.request.senderNonce));
    expect(hex(rb.recipientNonce!)).toBe(hex(b.request.senderNonce));
    expect(ra.senderNonce).toHaveLength(16);
    expect(rb.senderNonce).toHaveLength(16);
    expect(hex(ra.senderNonce)).not.toBe(hex(rb.senderNonce));
    expect(hex(ra.senderNonce)).not.toBe(hex(a.request.senderNonce));
  });

  it("messageType 3 and pkiStatus 0 as PrintableString; signed by the GetCACert certificate with one SignerInfo", async () => {
    const ex = await enrollOk();
    const reply = parsePkiMessage(ex.body);
    expect(reply.messageType).toBe(MessageType.CertRep);
    expect(reply.pkiStatus).toBe(PkiStatus.SUCCESS);
    expect(hex(reply.signerCertDer)).toBe(hex(caCertDer()));
    const signed = new pkijs.SignedData({ schema: new pkijs.ContentInfo({ schema: asn1js.fromBER(ex.body).result }).content });
    expect(signed.signerInfos).toHaveLength(1);
    const attrs = signed.signerInfos[0]!.signedAttrs!.attributes;
    for (const oid of [SCEP_OID.messageType, SCEP_OID.pkiStatus, SCEP_OID.transactionID]) {
      const value = attrs.find((a) => a.type === oid)!.values[0];
      expect(value, oid).toBeInstanceOf(asn1js.PrintableString);
    }
    for (const oid of [SCEP_OID.senderNonce, SCEP_OID.recipientNonce]) {
      expect(attrs.find((a) => a.type === oid)!.values[0], oid).toBeInstanceOf(asn1js.OctetString);
    }
    expect(attrs.find((a) => a.type === SCEP_OID.failInfo)).toBeUndefined();
  });

  it("replies are HTTP 200 application/x-pki-message exactly", async () => {
    const ex = await enrollOk();
    expect(ex.status).toBe(200);
    expect(ex.contentType).toBe("application/x-pki-message");
  });
});

describe("issued certificate", () => {
  it("comes first in the payload, followed by the CA", async () => {
    const ex = await enrollOk();
    const certs = ex.rep!.certificates;
    expect(certs.length).toBeGreaterThanOrEqual(2);
    const first = new X509Certificate(Buffer.from(certs[0]!));
    expect(first.ca).toBe(false);
    expect(certs.slice(1).some((c) => hex(c) === hex(caCertDer()))).toBe(true);
  });

  it("issuer = CA subject, subject and SANs from the CSR, SPKI from the CSR", async () => {
    const key = rsaKey(2048, "profile");
    const commonName = uniqueName("laptop");
    const dnsNames = [`${commonName}.corp.example`, "alt.corp.example"];
    const ex = await enrollOk({ csr: { key, subject: { commonName, organization: "Example Org" }, dnsNames } });
    const cert = new X509Certificate(Buffer.from(ex.issued));
    const ca = caX509();
    expect(cert.issuer).toBe(ca.subject);
    expect(hex(new Uint8Array(ex.issuedCert.issuer.toSchema().toBER()))).toBe(hex(new Uint8Array(caCert().subject.toSchema().toBER())));
    expect(cert.subject).toContain(`CN=${commonName}`);
    expect(cert.subject).toContain("O=Example Org");
    expect(cert.subjectAltName).toBe(dnsNames.map((d) => `DNS:${d}`).join(", "));
    expect(hex(new Uint8Array(cert.publicKey.export({ type: "spki", format: "der" })))).toBe(hex(spkiDer(key)));
  });

  it("no SAN extension when the CSR requests none", async () => {
    const ex = await enrollOk();
    expect(extension(ex.issuedCert, OID.subjectAltName)).toBeUndefined();
  });

  it("EKU clientAuth; KeyUsage digitalSignature + keyEncipherment (RSA); not a CA", async () => {
    const ex = await enrollOk();
    const cert = new X509Certificate(Buffer.from(ex.issued));
    expect(cert.keyUsage).toContain(OID.clientAuth);
    expect(cert.ca).toBe(false);
    const ku = extension(ex.issuedCert, OID.keyUsage)!;
    expect(ku.critical).toBe(true);
    const bits = asn1js.fromBER(ku.extnValue.getValue()).result as asn1js.BitString;
    const first = new Uint8Array(bits.valueBlock.valueHexView)[0]!;
    expect(first & 0x80).toBe(0x80); // digitalSignature
    expect(first & 0x20).toBe(0x20); // keyEncipherment
    expect(first & 0x04).toBe(0); // not keyCertSign
    expect(first & 0x02).toBe(0); // not cRLSign
  });

  it("serial is positive, at least 64 bits, and differs between certificates", async () => {
    const a = await enrollOk();
    const b = await enrollOk();
    for (const ex of [a, b]) {
      const serial = new Uint8Array(ex.issuedCert.serialNumber.valueBlock.valueHexView);
      expect(serial[0]! & 0x80).toBe(0);
      const significant = serial[0] === 0 ? serial.slice(1) : serial;
      expect(significant.length * 8).toBeGreaterThanOrEqual(64);
    }
    expect(new X509Certificate(Buffer.from(a.issued)).serialNumber).not.toBe(new X509Certificate(Buffer.from(b.issued)).serialNumber);
  });

  it("notBefore is backdated by CERT_BACKDATE_MINUTES (default 1440): at most now - 23h", async () => {
    const before = Date.now();
    const ex = await enrollOk();
    const cert = new X509Certificate(Buffer.from(ex.issued));
    const notBefore = new Date(cert.validFrom).getTime();
    expect(notBefore).toBeLessThanOrEqual(before - 23 * 3600_000);
    expect(notBefore).toBeGreaterThanOrEqual(before - 25 * 3600_000);
  });

  it("notAfter is CERT_VALIDITY_DAYS (365 in wrangler.toml) ahead, capped by the CA's notAfter", async () => {
    const now = Date.now();
    const ex = await enrollOk();
    const notAfter = new Date(new X509Certificate(Buffer.from(ex.issued)).validTo).getTime();
    const caNotAfter = new Date(caX509().validTo).getTime();
    const expected = Math.min(now + 365 * 86_400_000, caNotAfter);
    expect(Math.abs(notAfter - expected)).toBeLessThan(3 * 86_400_000);
    expect(notAfter).toBeLessThanOrEqual(caNotAfter);
  });

  it("verifies with the CA public key (node:crypto X509Certificate.verify in workerd)", async () => {
    const ex = await enrollOk();
    const cert = new X509Certificate(Buffer.from(ex.issued));
    expect(cert.verify(caX509().publicKey)).toBe(true);
    expect(cert.checkIssued(caX509())).toBe(true);
    // And not with an unrelated key: the check can fail.
    const other = new X509Certificate(Buffer.from(ex.request.signer.cert.toSchema().toBER()));
    expect(cert.verify(other.publicKey)).toBe(false);
  });

  it("a new transactionID gives a distinct certificate for the same key (no accidental dedup)", async () => {
    const key = rsaKey(2048, "same-key");
    const a = await enrollOk({ csr: { key }, transactionId: newTransactionId() });
    const b = await enrollOk({ csr: { key }, transactionId: newTransactionId() });
    expect(hex(a.issued)).not.toBe(hex(b.issued));
  });
});
