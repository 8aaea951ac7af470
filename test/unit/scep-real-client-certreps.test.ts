// micromdm scepserver 2.1.0 CertReps (PROVENANCE.md) read by our parser: the shape our own
// replies must match for scepclient and certmonger.
import { createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { decryptEnvelope, recipientKeyFor } from "../../src/scep/envelope";
import { parseCertsOnly } from "../../src/scep/certs-only";
import { parseCertificate } from "../support/pkijs";
import { FailInfo, MessageType, PkiStatus } from "../../src/scep/oids";
import { publicKeyFromSpki } from "../../src/crypto/keys";
import { bytesEqual } from "../../src/util/bytes";
import { commonName, fixedBytes, fixtureBytes, fixtureCaCert, fixtureCaRecipient, scepclientKey } from "./support/real-clients";

const rows = [
  {
    quirk: "SUCCESS to scepclient",
    rep: "mdm-CertRep-success-to-scepclient.resp.der",
    req: "scepclient-PKCSReq-des-sha1.req.der",
    status: PkiStatus.SUCCESS,
  },
  {
    quirk: "SUCCESS to scepclient's RenewalReq",
    rep: "mdm-CertRep-success-renewal.resp.der",
    req: "scepclient-RenewalReq17-samekey.req.der",
    status: PkiStatus.SUCCESS,
  },
  {
    quirk: "SUCCESS to certmonger",
    rep: "mdm-CertRep-success-to-certmonger.resp.der",
    req: "certmonger-PKCSReq-aes256-sha256.req.der",
    status: PkiStatus.SUCCESS,
  },
  {
    quirk: "FAILURE badRequest for a wrong challenge",
    rep: "mdm-CertRep-failure-badRequest.resp.der",
    req: "scepclient-PKCSReq-wrong-challenge.req.der",
    status: PkiStatus.FAILURE,
  },
];

describe.each(rows)("micromdm CertRep: $quirk", ({ rep, req, status }) => {
  it("parses and verifies, signed by the fixture CA with SHA-1", () => {
    const m = parsePkiMessage(fixtureBytes(rep));
    expect(m.messageType).toBe(MessageType.CertRep);
    expect(m.pkiStatus).toBe(status);
    expect(m.hash).toBe("sha1");
    const caSpki = new Uint8Array(fixtureCaCert().subjectPublicKeyInfo.toSchema().toBER());
    expect(bytesEqual(new Uint8Array(parseCertificate(m.signerCertDer).subjectPublicKeyInfo.toSchema().toBER()), caSpki)).toBe(true);
  });

  it("echoes the request: transactionID octets, recipientNonce = request senderNonce", () => {
    const m = parsePkiMessage(fixtureBytes(rep));
    const r = parsePkiMessage(fixtureBytes(req));
    expect(bytesEqual(m.transactionIdBytes, r.transactionIdBytes)).toBe(true);
    expect(m.recipientNonce).toBeDefined();
    expect(bytesEqual(m.recipientNonce!, r.senderNonce)).toBe(true);
    // micromdm quirk (scep-clients.md §2): its senderNonce is the client's nonce too.
    expect(bytesEqual(m.senderNonce, r.senderNonce)).toBe(true);
  });

  if (status === PkiStatus.FAILURE) {
    it("FAILURE: failInfo 2 (badRequest), no content", () => {
      const m = parsePkiMessage(fixtureBytes(rep));
      expect(m.failInfo).toBe(FailInfo.badRequest);
      expect(m.envelope).toBeUndefined();
      expect(m.failInfoText).toBeUndefined();
    });
  } else {
    it("SUCCESS: no failInfo, an envelope", () => {
      const m = parsePkiMessage(fixtureBytes(rep));
      expect(m.failInfo).toBeUndefined();
      expect(m.envelope).toBeDefined();
    });
  }
});

describe("micromdm CertRep to scepclient decrypts with the client key", () => {
  it("single-DES envelope -> certs-only whose first certificate holds the client's key", () => {
    const m = parsePkiMessage(fixtureBytes("mdm-CertRep-success-to-scepclient.resp.der"));
    const req = parsePkiMessage(fixtureBytes("scepclient-PKCSReq-des-sha1.req.der"));
    const key = scepclientKey();
    // Addressed to the request's signer certificate (RFC 8894 §3.3.2).
    const d = decryptEnvelope(m.envelope!, [recipientKeyFor(req.signerCertDer, key)], { allowLegacyDes: true, randomBytes: fixedBytes(0) });
    expect(d.cipher).toBe("des-cbc");
    const certsOnly = parseCertsOnly(d.content);
    expect(certsOnly.certificates.length).toBeGreaterThanOrEqual(1);
    const issued = parseCertificate(certsOnly.certificates[0]!);
    expect(commonName(issued.subject)).toBe("client1");
    const issuedKey = publicKeyFromSpki(new Uint8Array(issued.subjectPublicKeyInfo.toSchema().toBER()));
    const clientPublic = createPublicKey(key.key);
    expect(issuedKey.equals(clientPublic)).toBe(true);
    // The issued certificate is signed by the fixture CA.
    const ca = fixtureCaCert();
    expect(bytesEqual(new Uint8Array(issued.issuer.toSchema().toBER()), new Uint8Array(ca.subject.toSchema().toBER()))).toBe(true);
  });

  it("the same envelope is refused when single DES is not allowed", () => {
    const m = parsePkiMessage(fixtureBytes("mdm-CertRep-success-to-scepclient.resp.der"));
    const req = parsePkiMessage(fixtureBytes("scepclient-PKCSReq-des-sha1.req.der"));
    expect(() =>
      decryptEnvelope(m.envelope!, [recipientKeyFor(req.signerCertDer, scepclientKey())], { allowLegacyDes: false, randomBytes: fixedBytes(0) }),
    ).toThrow(expect.objectContaining({ reason: "legacy-des-refused" }));
  });

  it("the CA key is not a recipient of a CertRep envelope (not-for-us)", () => {
    const m = parsePkiMessage(fixtureBytes("mdm-CertRep-success-to-scepclient.resp.der"));
    expect(() => decryptEnvelope(m.envelope!, [fixtureCaRecipient()], { allowLegacyDes: true, randomBytes: fixedBytes(0) })).toThrow(
      expect.objectContaining({ reason: "not-for-us" }),
    );
  });
});
