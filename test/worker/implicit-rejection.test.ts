// No padding oracle by repetition (design "Crypto on Workers"; draft-irtf-cfrg-rsa-guidance): a
// pkiMessage whose key transport has malformed PKCS#1 v1.5 padding gets one and the same answer every
// time it is sent. With a random fallback key per request, about 1 in 256 sends decrypted the content
// to valid CBC padding and came back as a signed CertRep FAILURE instead of HTTP 400.
// It also shows node:crypto's hkdfSync and createHmac at work inside workerd.
import { constants, createPublicKey, publicEncrypt } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ContentCipherName } from "../../src/scep/content-cipher";
import { encryptEnvelope } from "../../src/scep/envelope";
import { MessageType, SCEP_OID } from "../../src/scep/oids";
import { attributeDer, buildSignedData } from "../../src/scep/signed-data";
import { utf8 } from "../../src/util/bytes";
import { children, content, readTlv, TAG, tlv } from "../../src/asn1/der";
import {
  buildCsr,
  caCertDer,
  newTransactionId,
  rnd,
  rsaKey,
  selfSigned,
  send,
  text,
  uniqueName,
  WORKER_TEST_CHALLENGE,
  clientSigner,
} from "./support/scep-harness";
import { parseCertView } from "../../src/x509/cert-view";

const SENDS = 200;

/** Raw RSA to the CA of EM = 00 || 01 || ... : PKCS#1 block type 1, which no decryption accepts. */
function malformedKeyTransport(keyLength: number): Uint8Array {
  const caPublic = createPublicKey({ key: Buffer.from(parseCertView(caCertDer()).spkiDer), format: "der", type: "spki" });
  const k = (caPublic.asymmetricKeyDetails?.modulusLength ?? 2048) / 8;
  const em = new Uint8Array(k);
  em[1] = 0x01;
  em.fill(0xff, 2, k - keyLength - 1);
  em.set(rnd(keyLength), k - keyLength);
  return new Uint8Array(publicEncrypt({ key: caPublic, padding: constants.RSA_NO_PADDING }, em));
}

/** A signed PKCSReq whose envelope names the CA but carries `encryptedKey` instead of the real one. */
function requestWithKeyTransport(cipher: ContentCipherName, keyLength: number) {
  const key = rsaKey(2048, "implicit-rejection");
  const signer = selfSigned(key);
  const csr = buildCsr({ key, subject: { commonName: uniqueName("oracle") }, challenge: WORKER_TEST_CHALLENGE });
  const caPublic = createPublicKey({ key: Buffer.from(parseCertView(caCertDer()).spkiDer), format: "der", type: "spki" });
  const envelope = encryptEnvelope(csr, [{ cert: caCertDer(), publicKey: caPublic }], { cipher, randomBytes: rnd });
  // ContentInfo -> [0] -> EnvelopedData -> recipientInfos -> KeyTransRecipientInfo -> encryptedKey
  const ed = children(envelope, children(envelope, children(envelope, readTlv(envelope, 0))[1]!)[0]!);
  const encryptedKey = children(envelope, children(envelope, ed[1]!)[0]!)[3]!;
  expect(encryptedKey.tag).toBe(TAG.OCTET_STRING);
  const bad = malformedKeyTransport(keyLength);
  expect(content(envelope, encryptedKey).length).toBe(bad.length);
  envelope.set(bad, encryptedKey.contentStart);

  const transactionId = newTransactionId();
  const senderNonce = rnd(16);
  const der = buildSignedData({
    content: envelope,
    attributes: [
      attributeDer(SCEP_OID.transactionID, tlv(0x13, utf8(transactionId))),
      attributeDer(SCEP_OID.messageType, tlv(0x13, utf8(String(MessageType.PKCSReq)))),
      attributeDer(SCEP_OID.senderNonce, tlv(TAG.OCTET_STRING, senderNonce)),
    ],
    signer: clientSigner(signer),
    hash: "sha256",
    certificates: [clientSigner(signer).cert],
  });
  return { der, request: { transactionId, senderNonce, signer, messageData: csr } };
}

describe("malformed PKCS#1 v1.5 key transport, sent again and again", () => {
  it.each<[ContentCipherName, number]>([
    ["aes-128-cbc", 16],
    ["aes-256-cbc", 32],
    ["des-ede3-cbc", 24],
  ])(`%s: ${SENDS} sends of the same message get one answer`, async (cipher, keyLength) => {
    const { der, request } = requestWithKeyTransport(cipher, keyLength);
    const answers = new Map<string, number>();
    for (let i = 0; i < SENDS; i++) {
      const ex = await send(der, request);
      const kind = ex.rep
        ? `HTTP ${ex.status} CertRep status ${ex.rep.status} failInfo ${ex.rep.failInfo} ${ex.rep.failInfoText}`
        : `HTTP ${ex.status} ${ex.contentType} ${text(ex.body)}`;
      answers.set(kind, (answers.get(kind) ?? 0) + 1);
    }
    expect([...answers.keys()], JSON.stringify([...answers])).toHaveLength(1);
    const [only] = [...answers.keys()];
    // Either outcome is fine, as long as it is the same one; a 500 (workerd lacking HKDF/HMAC) is not.
    expect(only).toMatch(/^HTTP (400 |200 CertRep status 2 )/);
  });
});
