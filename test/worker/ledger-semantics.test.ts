// Transaction and certificate semantics held by the ledger Durable Object: idempotent retries,
// renewal and rekey (RFC 8894 §3.3.1.2), CertPoll (§3.3.3), GetCert (§3.3.4), and the refusals
// that happen before decryption (tampering, wrong recipient) as HTTP 400.
import { certificateDer } from "../support/pkijs";
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prepareRequest } from "../../src/client/scep-client";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { FailInfo, MessageType, PkiStatus } from "../../src/scep/oids";
import {
  buildCsr,
  caCert,
  enrollOk,
  hex,
  issuerAndSerial,
  issuerAndSubject,
  newTransactionId,
  rnd,
  rsaKey,
  scep,
  selfSigned,
  send,
  uniqueName,
  WORKER_TEST_CHALLENGE,
  type Signer,
  clientSigner,
} from "./support/scep-harness";

function serialOf(der: Uint8Array): string {
  return new X509Certificate(Buffer.from(der)).serialNumber;
}

/** A first enrollment whose issued certificate and key can sign later requests. */
async function enrolled(commonName = uniqueName("renew")) {
  const key = rsaKey(2048);
  const transactionId = newTransactionId();
  const csr = buildCsr({ key, subject: { commonName }, challenge: WORKER_TEST_CHALLENGE });
  const first = await enrollOk({ messageData: csr, csr: { key }, transactionId });
  const issuedSigner: Signer = { cert: first.issuedCert, key };
  return { key, transactionId, csr, commonName, first, issuedSigner };
}

describe("idempotent retries (same transactionID)", () => {
  it("same CSR, new self-signed signer and nonce -> the same certificate (same serial)", async () => {
    const e = await enrolled();
    const retry = await enrollOk({ messageData: e.csr, transactionId: e.transactionId, signer: selfSigned(rsaKey(2048, "retry-signer")) });
    expect(hex(retry.request.senderNonce)).not.toBe(hex(e.first.request.senderNonce));
    expect(serialOf(retry.issued)).toBe(serialOf(e.first.issued));
    expect(hex(retry.issued)).toBe(hex(e.first.issued));
  });

  it("same CSR over GET after a POST (client switched transport) -> same certificate", async () => {
    const e = await enrolled();
    const retry = await enrollOk({ messageData: e.csr, transactionId: e.transactionId, transport: "GET" });
    expect(serialOf(retry.issued)).toBe(serialOf(e.first.issued));
  });

  it("different CSR under a used transactionID -> FAILURE badRequest", async () => {
    const e = await enrolled();
    const other = buildCsr({ key: e.key, subject: { commonName: uniqueName("other") }, challenge: WORKER_TEST_CHALLENGE });
    const ex = await scep({ messageData: other, transactionId: e.transactionId });
    expect(ex.status).toBe(200);
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badRequest);
    expect(ex.rep!.failInfoText).toMatch(/transaction/i);
  });

  it("a refused request (wrong challenge) does not burn the transactionID", async () => {
    const key = rsaKey(2048);
    const transactionId = newTransactionId();
    const bad = await scep({ csr: { key, challenge: "wrong" }, transactionId });
    expect(bad.rep!.status).toBe(PkiStatus.FAILURE);
    const good = await enrollOk({ csr: { key }, transactionId });
    expect(good.rep!.status).toBe(PkiStatus.SUCCESS);
  });
});

describe("renewal and rekey", () => {
  it("RenewalReq (17) signed by the issued certificate, same CSR and transactionID (scepclient) -> a new certificate", async () => {
    const e = await enrolled();
    const renewal = await enrollOk({
      messageType: MessageType.RenewalReq,
      messageData: e.csr,
      transactionId: e.transactionId,
      signer: e.issuedSigner,
    });
    expect(serialOf(renewal.issued)).not.toBe(serialOf(e.first.issued));
    expect(new X509Certificate(Buffer.from(renewal.issued)).subject).toBe(new X509Certificate(Buffer.from(e.first.issued)).subject);
  });

  it("RenewalReq without a challengePassword: the old certificate authenticates", async () => {
    const e = await enrolled();
    const csr = buildCsr({ key: e.key, subject: { commonName: e.commonName } });
    const renewal = await enrollOk({ messageType: MessageType.RenewalReq, messageData: csr, signer: e.issuedSigner });
    expect(serialOf(renewal.issued)).not.toBe(serialOf(e.first.issued));
  });

  it("RenewalReq with a wrong challengePassword still renews (the signer authenticates, not the challenge)", async () => {
    const e = await enrolled();
    const csr = buildCsr({ key: e.key, subject: { commonName: e.commonName }, challenge: "stale-challenge" });
    const renewal = await enrollOk({ messageType: MessageType.RenewalReq, messageData: csr, signer: e.issuedSigner });
    expect(renewal.rep!.status).toBe(PkiStatus.SUCCESS);
  });

  it("renewal retried with the same transactionID returns the same renewed certificate", async () => {
    const e = await enrolled();
    const tx = newTransactionId();
    const a = await enrollOk({ messageType: MessageType.RenewalReq, messageData: e.csr, transactionId: tx, signer: e.issuedSigner });
    const b = await enrollOk({ messageType: MessageType.RenewalReq, messageData: e.csr, transactionId: tx, signer: e.issuedSigner });
    expect(serialOf(b.issued)).toBe(serialOf(a.issued));
  });

  it("PKCSReq (19) signed by the issued certificate with a new key, same subject (certmonger rekey) -> new certificate for the new key", async () => {
    const e = await enrolled();
    const newKey = rsaKey(2048);
    const csr = buildCsr({ key: newKey, subject: { commonName: e.commonName } });
    const rekey = await enrollOk({ messageType: MessageType.PKCSReq, messageData: csr, signer: e.issuedSigner });
    const cert = new X509Certificate(Buffer.from(rekey.issued));
    expect(cert.serialNumber).not.toBe(serialOf(e.first.issued));
    expect(
      cert.publicKey
        .export({ type: "spki", format: "der" })
        .equals(new X509Certificate(Buffer.from(e.first.issued)).publicKey.export({ type: "spki", format: "der" })),
    ).toBe(false);
  });

  it("renewal that changes the subject -> FAILURE badRequest naming the change", async () => {
    const e = await enrolled();
    const csr = buildCsr({ key: e.key, subject: { commonName: `${e.commonName}-admin` } });
    const ex = await scep({ messageType: MessageType.RenewalReq, messageData: csr, signer: e.issuedSigner });
    expect(ex.status).toBe(200);
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badRequest);
    expect(ex.rep!.failInfoText).toBe(
      `a renewal must keep the identity of the signing certificate: the subject differs (CN=${e.commonName} → CN=${e.commonName}-admin)`,
    );
  });

  it("a request signed by an issued certificate for another subject, with the challenge, is a new enrollment", async () => {
    const e = await enrolled();
    const csr = buildCsr({ key: e.key, subject: { commonName: `${e.commonName}-second` }, challenge: WORKER_TEST_CHALLENGE });
    const ex = await enrollOk({ messageType: MessageType.RenewalReq, messageData: csr, signer: e.issuedSigner });
    expect(new X509Certificate(Buffer.from(ex.issued)).subject).toBe(`CN=${e.commonName}-second`);
  });

  it("rekey (PKCSReq signed by the issued certificate) that changes the subject -> FAILURE badRequest", async () => {
    const e = await enrolled();
    const csr = buildCsr({ key: rsaKey(2048), subject: { commonName: uniqueName("elsewhere") } });
    const ex = await scep({ messageType: MessageType.PKCSReq, messageData: csr, signer: e.issuedSigner });
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badRequest);
  });

  it("RenewalReq signed by a self-signed look-alike of the issued certificate needs the challenge", async () => {
    const e = await enrolled();
    const lookalike: Signer = selfSigned(e.key, e.commonName);
    const csr = buildCsr({ key: e.key, subject: { commonName: e.commonName } });
    const ex = await scep({ messageType: MessageType.RenewalReq, messageData: csr, signer: lookalike });
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badRequest);
  });
});

describe("CertPoll (20) and GetCert (21)", () => {
  it("CertPoll for a known transactionID -> SUCCESS with the issued certificate", async () => {
    const e = await enrolled();
    const poll = await enrollOk({
      messageType: MessageType.CertPoll,
      messageData: issuerAndSubject(caCert().subject, e.first.issuedCert.subject),
      transactionId: e.transactionId,
      signer: e.first.request.signer,
    });
    expect(hex(poll.issued)).toBe(hex(e.first.issued));
  });

  it("CertPoll for an unknown transactionID -> FAILURE badCertId", async () => {
    const ex = await scep({
      messageType: MessageType.CertPoll,
      messageData: issuerAndSubject(caCert().subject, caCert().subject),
      transactionId: newTransactionId(),
    });
    expect(ex.status).toBe(200);
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badCertId);
  });

  it("GetCert with the IssuerAndSerialNumber of an issued certificate -> SUCCESS with that certificate", async () => {
    const e = await enrolled();
    const ex = await enrollOk({
      messageType: MessageType.GetCert,
      messageData: issuerAndSerial(caCert().subject, e.first.issuedCert.serialNumber),
      signer: e.issuedSigner,
    });
    expect(hex(ex.issued)).toBe(hex(e.first.issued));
  });

  it("GetCert for an unknown serial -> FAILURE badCertId", async () => {
    const e = await enrolled();
    const ex = await scep({
      messageType: MessageType.GetCert,
      messageData: issuerAndSerial(caCert().subject, selfSigned(rsaKey(2048, "default-signer")).cert.serialNumber),
      signer: e.issuedSigner,
    });
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badCertId);
  });

  it("GetCert with messageData that is not an IssuerAndSerialNumber -> FAILURE badRequest", async () => {
    const ex = await scep({ messageType: MessageType.GetCert, messageData: new Uint8Array([0x04, 0x02, 0x01, 0x02]) });
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badRequest);
  });
});

describe("other message types", () => {
  it("unknown messageType 99 -> FAILURE badRequest", async () => {
    const ex = await scep({ messageType: 99 });
    expect(ex.status).toBe(200);
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badRequest);
  });

  it("CertRep (3) sent to the server -> FAILURE badRequest", async () => {
    const ex = await scep({ messageType: MessageType.CertRep });
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badRequest);
  });

  it("GetCRL (22) -> a CertRep (FAILURE badRequest while CRLs are unsupported), never a 500", async () => {
    const ex = await scep({ messageType: MessageType.GetCRL, messageData: issuerAndSerial(caCert().subject, caCert().serialNumber) });
    expect(ex.status).toBe(200);
    expect(ex.contentType).toBe("application/x-pki-message");
    expect([PkiStatus.SUCCESS, PkiStatus.FAILURE]).toContain(ex.rep!.status);
  });
});

describe("refused before decryption: HTTP 400", () => {
  function prepared(signer = selfSigned(rsaKey(2048, "tamper")), recipients = [caCert()]) {
    const key = rsaKey(2048, "tamper");
    const transactionId = newTransactionId();
    const csr = buildCsr({ key, subject: { commonName: uniqueName("tamper") }, challenge: WORKER_TEST_CHALLENGE });
    const req = prepareRequest({
      messageType: MessageType.PKCSReq,
      messageData: csr,
      transactionId,
      signer: clientSigner(signer),
      recipients: recipients.map(certificateDer),
      cipher: "aes-128-cbc",
      hash: "sha256",
      randomBytes: rnd,
    });
    return { ...req, transactionId, signer, messageData: csr };
  }

  async function expect400(der: Uint8Array, p: ReturnType<typeof prepared>) {
    const ex = await send(der, { transactionId: p.transactionId, senderNonce: p.senderNonce, signer: p.signer, messageData: p.messageData });
    expect(ex.status).toBe(400);
    expect(ex.contentType).toBe("text/plain");
    expect(new TextDecoder().decode(ex.body).length).toBeLessThan(200);
  }

  it("untampered control message is accepted", async () => {
    const p = prepared();
    const ex = await send(p.der, { transactionId: p.transactionId, senderNonce: p.senderNonce, signer: p.signer, messageData: p.messageData });
    expect(ex.status).toBe(200);
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });

  it("a flipped byte in the signed content (the pkcsPKIEnvelope) -> 400", async () => {
    const p = prepared();
    const envelope = parsePkiMessage(p.der).envelope!;
    const at = Buffer.from(p.der).indexOf(Buffer.from(envelope));
    expect(at).toBeGreaterThan(0);
    const tampered = p.der.slice();
    const i = at + Math.floor(envelope.length / 2);
    tampered[i] = tampered[i]! ^ 0x01;
    await expect400(tampered, p);
  });

  it("a flipped byte in the signature -> 400", async () => {
    const p = prepared();
    const tampered = p.der.slice();
    tampered[tampered.length - 10] = tampered[tampered.length - 10]! ^ 0x80;
    await expect400(tampered, p);
  });

  it("a flipped byte in the signed transactionID -> 400", async () => {
    const p = prepared();
    const at = Buffer.from(p.der).indexOf(Buffer.from(p.transactionId));
    expect(at).toBeGreaterThan(0);
    const tampered = p.der.slice();
    tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
    await expect400(tampered, p);
  });

  it("envelope encrypted to a different certificate -> 400", async () => {
    const p = prepared(undefined, [selfSigned(rsaKey(2048, "stranger")).cert]);
    await expect400(p.der, p);
  });
});
