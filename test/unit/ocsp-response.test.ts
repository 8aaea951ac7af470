// OCSPResponse building (RFC 6960 §4.2) checked by OpenSSL: `openssl ocsp -respin -CAfile -issuer`
// verifies the signature, the delegation to the responder certificate, the CertID match, the nonce
// and the times; `openssl asn1parse` shows the encoding.
import { beforeAll, describe, expect, it } from "vitest";
import { answerWindow, certStatusOf, isNonIssuedRevoked } from "../../src/ocsp/answer";
import { parseOcspRequest } from "../../src/ocsp/request";
import { issueResponderCertificate } from "../../src/ocsp/responder-cert";
import { buildOcspResponse, ocspErrorResponse, OcspStatus, type CertStatus, type ResponseSigner } from "../../src/ocsp/response";
import {
  basicResponseText,
  makeIssuer,
  opensslRequest,
  opensslVerify,
  randomSerialHex,
  responderKey,
  rnd,
  type TestIssuer,
} from "./support/ocsp-oracle";
import { randomSerial } from "../../src/ca/serial";

const HOUR = 3600;
let rsaCa: TestIssuer;
let ecCa: TestIssuer;

beforeAll(() => {
  rsaCa = makeIssuer("OCSP RSA CA");
  ecCa = makeIssuer("OCSP EC CA", { algorithm: "ec", curve: "P-256" });
});

function delegated(ca: TestIssuer, days = 7): ResponseSigner & { notAfter: Date } {
  const key = responderKey();
  const cert = issueResponderCertificate({
    ca: ca.material,
    caKeyId: ca.keyId,
    responderSpkiDer: key.spkiDer,
    serial: randomSerial(rnd),
    now: new Date(),
    validityDays: days,
    backdateSeconds: HOUR,
  });
  return { key: key.handle, spkiDer: key.spkiDer, certDer: cert.der, hash: "sha256", notAfter: cert.notAfter };
}

function caSigner(ca: TestIssuer): ResponseSigner {
  return { key: ca.material.caKey, spkiDer: ca.material.caSpkiDer, hash: "sha256" };
}

/** A request made by openssl, answered with `statuses` in order, then verified by openssl. */
function roundTrip(
  ca: TestIssuer,
  signer: ResponseSigner,
  statuses: CertStatus[],
  opts: { nonce?: boolean; hash?: string; validity?: number; extendedRevoke?: boolean } = {},
) {
  const serials = statuses.map(() => randomSerialHex());
  const req = opensslRequest(ca, serials, { nonce: opts.nonce ?? false, hash: opts.hash });
  const parsed = parseOcspRequest(req.der);
  const now = new Date();
  const window = answerWindow(now, opts.validity ?? 24 * HOUR);
  const der = buildOcspResponse({
    answers: parsed.certIds.map((certId, i) => ({ certId, status: statuses[i]! })),
    producedAt: now,
    ...window,
    signer,
    nonce: parsed.nonce,
    extendedRevoke: opts.extendedRevoke,
  });
  return { serials, der, verified: opensslVerify(ca, der, serials, { reqPath: opts.nonce ? req.path : undefined, hash: opts.hash }) };
}

const GOOD: CertStatus = { kind: "good" };

describe("responses signed by a delegated responder, verified by openssl against the CA", () => {
  it("good, revoked with time and reason, and unknown, in one response", () => {
    const revokedAt = new Date("2026-03-04T05:06:07Z");
    const { serials, der, verified } = roundTrip(rsaCa, delegated(rsaCa), [GOOD, { kind: "revoked", revokedAt, reason: 1 }, { kind: "unknown" }]);
    expect(basicResponseText(der, rsaCa.dir)).toMatch(/d=1 .*cont \[ 0 \]/); // certs: the responder certificate
    expect(verified.out).toContain("Response verify OK");
    expect(verified.status).toBe(0);
    expect(verified.statuses).toEqual({ [serials[0]!]: "good", [serials[1]!]: "revoked", [serials[2]!]: "unknown" });
    expect(verified.out).toContain("Reason: keyCompromise");
    expect(verified.out).toContain("Revocation Time: Mar  4 05:06:07 2026 GMT");
    expect(verified.out).toMatch(/Responder Id: [0-9A-F]{40}/); // byKey (§4.2.2.3)
  });

  it("a revocation with reason unspecified carries no reason, as on the CRL", () => {
    const { verified } = roundTrip(rsaCa, delegated(rsaCa), [{ kind: "revoked", revokedAt: new Date(), reason: 0 }]);
    expect(verified.out).toContain("Response verify OK");
    expect(verified.out).not.toContain("Reason:");
  });

  it("echoes the request's nonce (RFC 8954), which openssl checks against its request", () => {
    const { verified } = roundTrip(rsaCa, delegated(rsaCa), [GOOD], { nonce: true });
    expect(verified.out).toContain("Response verify OK");
    expect(verified.out).toContain("OCSP Nonce");
    expect(verified.out).not.toMatch(/WARNING: no nonce|Nonce Verify error/);
  });

  it("a response carrying another nonce is caught by openssl (the check above can fail)", () => {
    const req = opensslRequest(rsaCa, ["0B"], { nonce: true });
    const parsed = parseOcspRequest(req.der);
    const now = new Date();
    const der = buildOcspResponse({
      answers: [{ certId: parsed.certIds[0]!, status: GOOD }],
      producedAt: now,
      ...answerWindow(now, HOUR),
      signer: delegated(rsaCa),
      nonce: rnd(16),
    });
    expect(opensslVerify(rsaCa, der, ["0B"], { reqPath: req.path }).out).toContain("Nonce Verify error");
  });

  it("answers SHA-256 CertIDs with SHA-256 CertIDs", () => {
    const { serials, verified } = roundTrip(rsaCa, delegated(rsaCa), [GOOD], { hash: "sha256" });
    expect(verified.statuses[serials[0]!]).toBe("good");
    expect(verified.out).toContain("Hash Algorithm: sha256");
  });

  it("an EC CA and its responder", () => {
    const { serials, verified } = roundTrip(ecCa, delegated(ecCa), [{ kind: "revoked", revokedAt: new Date(), reason: 4 }]);
    expect(verified.out).toContain("Response verify OK");
    expect(verified.statuses[serials[0]!]).toBe("revoked");
    expect(verified.out).toContain("Reason: superseded");
  });

  it("the §2.2 non-issued form: revoked, 1970, certificateHold, with the extended revoked definition", () => {
    const status = certStatusOf({ status: "unknown" }, "revoked");
    expect(isNonIssuedRevoked(status)).toBe(true);
    const { serials, der, verified } = roundTrip(rsaCa, delegated(rsaCa), [status], { extendedRevoke: true });
    expect(verified.statuses[serials[0]!]).toBe("revoked");
    expect(verified.out).toContain("Reason: certificateHold");
    expect(verified.out).toContain("Revocation Time: Jan  1 00:00:00 1970 GMT");
    // The extension OID (1.3.6.1.5.5.7.48.1.9) appears in the response bytes.
    expect(Buffer.from(der).toString("hex")).toContain("06092b0601050507300109");
  });

  it("a response from another CA's responder fails openssl's check", () => {
    const { verified } = roundTrip(rsaCa, delegated(ecCa), [GOOD]);
    expect(verified.out).not.toContain("Response verify OK");
    expect(verified.status).not.toBe(0);
  });

  it("a signature that does not match fails openssl's check (the test can fail)", () => {
    const signer = delegated(rsaCa);
    const { serials, der } = roundTrip(rsaCa, signer, [GOOD]);
    const tampered = der.slice();
    const producedAt = Buffer.from(der).indexOf(Buffer.from([0x18, 0x0f])); // the first GeneralizedTime
    tampered[producedAt + 15] = tampered[producedAt + 15]! ^ 0x01; // one digit of producedAt's seconds: signed data changed
    expect(opensslVerify(rsaCa, der, serials).out).toContain("Response verify OK");
    const r = opensslVerify(rsaCa, tampered, serials);
    expect(r.out).not.toContain("Response verify OK");
    expect(r.out).toMatch(/signature failure/i);
  });
});

describe("responses signed by the CA itself (OCSP_RESPONDER=ca)", () => {
  for (const name of ["RSA", "EC"] as const) {
    it(`${name} CA: no certs in the response, verified against the CA`, () => {
      const ca = name === "RSA" ? rsaCa : ecCa;
      const { serials, der, verified } = roundTrip(ca, caSigner(ca), [GOOD]);
      expect(verified.out).toContain("Response verify OK");
      expect(verified.statuses[serials[0]!]).toBe("good");
      expect(basicResponseText(der, ca.dir)).not.toMatch(/d=1 .*cont \[ 0 \]/);
    });
  }
});

describe("encoding", () => {
  it("GeneralizedTime everywhere, nextUpdate after thisUpdate by the validity, byKey ResponderID", () => {
    const signer = delegated(rsaCa);
    const { der, verified } = roundTrip(rsaCa, signer, [GOOD], { validity: 6 * HOUR });
    const text = basicResponseText(der, rsaCa.dir);
    expect(text).toContain("GENERALIZEDTIME");
    const times = [...text.matchAll(/GENERALIZEDTIME\s+:(\d{14})Z/g)].map((m) => m[1]!);
    // producedAt, thisUpdate, nextUpdate (the responder certificate's own times are UTCTime).
    expect(times).toHaveLength(3);
    const asDate = (t: string) => Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(8, 10), +t.slice(10, 12), +t.slice(12, 14));
    expect(asDate(times[2]!) - asDate(times[1]!)).toBe(6 * HOUR * 1000);
    expect(text).toMatch(/cont \[ 2 \]\s*\n.*OCTET STRING\s+\[HEX DUMP\]:[0-9A-F]{40}/);
    expect(verified.out).toContain("Response verify OK");
  });

  it("nextUpdate never outlives the responder certificate", () => {
    const notAfter = new Date(Date.now() + 2 * HOUR * 1000);
    const w = answerWindow(new Date(), 24 * HOUR, notAfter);
    expect(w.nextUpdate.getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    expect(answerWindow(new Date(), 24 * HOUR).nextUpdate.getTime() - answerWindow(new Date(), 24 * HOUR).thisUpdate.getTime()).toBe(
      24 * HOUR * 1000,
    );
  });

  it("error statuses are the bare OCSPResponse openssl reports", () => {
    const cases = [
      [OcspStatus.malformedRequest, "malformedrequest (1)"],
      [OcspStatus.internalError, "internalerror (2)"],
      [OcspStatus.tryLater, "trylater (3)"],
      [OcspStatus.unauthorized, "unauthorized (6)"],
    ] as const;
    for (const [status, text] of cases) {
      const r = opensslVerify(rsaCa, ocspErrorResponse(status), []);
      expect(r.out).toContain(`Responder Error: ${text}`);
    }
  });
});
