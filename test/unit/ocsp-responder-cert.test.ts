// The delegated responder certificate (RFC 6960 §4.2.2.2) as OpenSSL reads it, why each of its
// marks matters to a relying party, and which CA a request is routed to.
import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { CaExpiredError } from "../../src/ca/issue";
import { authorityKeyIdentifierExtension, basicConstraintsExtension, keyUsageExtension } from "../../src/x509/extensions";
import { randomSerial } from "../../src/ca/serial";
import { signCertificate } from "../../src/x509/cert-builder";
import { answerWindow, resolveRequest } from "../../src/ocsp/answer";
import { parseOcspRequest } from "../../src/ocsp/request";
import { issueResponderCertificate } from "../../src/ocsp/responder-cert";
import { buildOcspResponse, OcspStatus } from "../../src/ocsp/response";
import { TAG, tlv } from "../../src/asn1/der";
import { keyIdFromText, openssl, x509Text } from "./ca-test-helpers";
import { makeIssuer, opensslRequest, opensslVerify, randomSerialHex, responderKey, rnd, type TestIssuer } from "./support/ocsp-oracle";

const DAY = 86_400_000;
let ca: TestIssuer;
let other: TestIssuer;

beforeAll(() => {
  ca = makeIssuer("Responder Profile CA");
  other = makeIssuer("Unrelated CA");
});

function responder(issuer: TestIssuer, validityDays = 7, now = new Date()) {
  const key = responderKey();
  const cert = issueResponderCertificate({
    ca: issuer.material,
    caKeyId: issuer.keyId,
    responderSpkiDer: key.spkiDer,
    serial: randomSerial(rnd),
    now,
    validityDays,
    backdateSeconds: 3600,
  });
  return { key, cert };
}

describe("the responder certificate profile", () => {
  it("carries OCSPSigning, ocsp-nocheck, digitalSignature only, CA:FALSE, and the CA's key id", () => {
    const { cert } = responder(ca);
    const text = x509Text(cert.der);
    expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+OCSP Signing\n/);
    expect(text).toContain("OCSP No Check");
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
    expect(text).toContain(`Subject: CN = OCSP Responder ${ca.keyId}`);
    expect(keyIdFromText(text, "Authority Key Identifier")).toBe(Buffer.from(ca.material.caSubjectKeyId).toString("hex").toUpperCase());
    expect(text).not.toMatch(/CRL Distribution|Authority Information Access/); // nocheck: nothing to look up
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(7 * DAY + 3600_000);
  });

  it("chains to the CA for the OCSP helper purpose", () => {
    const { cert } = responder(ca);
    const path = `${ca.dir}/responder.pem`;
    writeFileSync(path, `-----BEGIN CERTIFICATE-----\n${Buffer.from(cert.der).toString("base64")}\n-----END CERTIFICATE-----\n`);
    const r = openssl(["verify", "-CAfile", ca.certPath, "-purpose", "ocsphelper", path]);
    expect(r.out).toContain(": OK");
  });

  it("never outlives its CA, and is refused once the CA has expired", () => {
    const shortCa = makeIssuer("Short CA", { algorithm: "rsa" }, 3);
    const { cert } = responder(shortCa, 7);
    expect(cert.notAfter.getTime()).toBe(Math.floor(shortCa.material.caCert.notAfter.getTime() / 1000) * 1000);
    expect(() => responder(shortCa, 7, new Date(Date.now() + 4 * DAY))).toThrow(CaExpiredError);
  });

  it("without id-kp-OCSPSigning, openssl refuses the delegation: the EKU is what authorises the responder", () => {
    const key = responderKey();
    const now = new Date();
    const der = signCertificate({
      serial: randomSerial(rnd),
      issuerDer: ca.material.caSubjectDer,
      subjectDer: ca.material.caSubjectDer,
      spkiDer: key.spkiDer,
      notBefore: new Date(now.getTime() - DAY),
      notAfter: new Date(now.getTime() + DAY),
      extensions: [
        basicConstraintsExtension(false),
        keyUsageExtension(["digitalSignature"]),
        authorityKeyIdentifierExtension(ca.material.caSubjectKeyId),
      ],
      signer: ca.material.caKey,
      hash: "sha256",
    });
    const serial = randomSerialHex();
    const certId = parseOcspRequest(opensslRequest(ca, [serial], { nonce: false }).der).certIds[0]!;
    const answer = (certDer: Uint8Array) =>
      buildOcspResponse({
        answers: [{ certId, status: { kind: "good" } }],
        producedAt: now,
        ...answerWindow(now, 3600),
        signer: { key: key.handle, spkiDer: key.spkiDer, certDer, hash: "sha256" },
      });
    const refused = opensslVerify(ca, answer(der), [serial]);
    expect(refused.out).not.toContain("Response verify OK");
    expect(refused.out).toMatch(/missing ocspsigning usage/i);
    const cert = issueResponderCertificate({
      ca: ca.material,
      caKeyId: ca.keyId,
      responderSpkiDer: key.spkiDer,
      serial: randomSerial(rnd),
      now,
      validityDays: 7,
      backdateSeconds: 0,
    });
    expect(opensslVerify(ca, answer(cert.der), [serial]).out).toContain("Response verify OK");
  });
});

describe("which CA a request is for", () => {
  const issuers = () => [
    { name: "current", hashes: ca.hashes },
    { name: "retired", hashes: other.hashes },
  ];

  it("routes each request to the CA its CertIDs name, current or retired", () => {
    const a = resolveRequest(opensslRequest(ca, ["01", "02"]).der, issuers());
    const b = resolveRequest(opensslRequest(other, ["01"], { hash: "sha256" }).der, issuers());
    expect(a.kind === "ok" && a.issuer.name).toBe("current");
    expect(b.kind === "ok" && b.issuer.name).toBe("retired");
  });

  it("a CA this responder does not serve is unauthorized", () => {
    const stranger = makeIssuer("Stranger CA");
    const r = resolveRequest(opensslRequest(stranger, ["01"]).der, issuers());
    expect(r).toMatchObject({ kind: "refused", status: OcspStatus.unauthorized });
  });

  it("CertIDs of two of our CAs in one request are unauthorized: one response has one signer", () => {
    const first = opensslRequest(ca, ["01"], { nonce: false }).der;
    const second = opensslRequest(other, ["02"], { nonce: false }).der;
    const ids = [parseOcspRequest(first).certIds[0]!.der, parseOcspRequest(second).certIds[0]!.der];
    const mixed = tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, ...ids.map((id) => tlv(TAG.SEQUENCE, id)))));
    expect(resolveRequest(mixed, issuers())).toMatchObject({
      kind: "refused",
      status: OcspStatus.unauthorized,
      reason: expect.stringContaining("two CAs"),
    });
  });

  it("a malformed request is malformedRequest, with the reason for the log", () => {
    expect(resolveRequest(new Uint8Array([0x30, 0x00]), issuers())).toMatchObject({ kind: "refused", status: OcspStatus.malformedRequest });
  });
});
