// Design rule 2: a pkiMessage carrying a malformed signer certificate is a short HTTP 400, never a
// 500. The review found an empty signatureAlgorithm made parseCertView throw a TypeError.
import { describe, expect, it } from "vitest";
import { encryptEnvelope } from "../../src/scep/envelope";
import { MessageType, SCEP_OID } from "../../src/scep/oids";
import { attributeDer, buildSignedData } from "../../src/scep/signed-data";
import { utf8 } from "../../src/util/bytes";
import { TAG, tlv } from "../../src/asn1/der";
import { parseCertView } from "../../src/x509/cert-view";
import { edited, type DerNode } from "../support/der-tree";
import {
  buildCsr,
  caCertDer,
  newTransactionId,
  rnd,
  rsaKey,
  selfSigned,
  uniqueName,
  workerFetch,
  WORKER_TEST_CHALLENGE,
  clientSigner,
} from "./support/scep-harness";

/** A PKCSReq signed by a good key whose certificate, as carried in the message, is `breakCert(der)`. */
function requestWithSignerCert(breakCert: (der: Uint8Array) => Uint8Array): Uint8Array {
  const key = rsaKey(2048, "malformed-signer");
  const signer = selfSigned(key);
  const csr = buildCsr({ key, subject: { commonName: uniqueName("malformed-signer") }, challenge: WORKER_TEST_CHALLENGE });
  const envelope = encryptEnvelope(csr, [{ cert: caCertDer(), publicKey: parseCertView(caCertDer()).publicKey() }], {
    cipher: "aes-128-cbc",
    randomBytes: rnd,
  });
  return buildSignedData({
    content: envelope,
    attributes: [
      attributeDer(SCEP_OID.transactionID, tlv(0x13, utf8(newTransactionId()))),
      attributeDer(SCEP_OID.messageType, tlv(0x13, utf8(String(MessageType.PKCSReq)))),
      attributeDer(SCEP_OID.senderNonce, tlv(TAG.OCTET_STRING, rnd(16))),
    ],
    // The sid (issuer and serial) comes from the intact certificate; the broken one keeps both.
    signer: clientSigner(signer),
    hash: "sha256",
    certificates: [breakCert(parseCertView(new Uint8Array(signer.cert.toSchema().toBER())).der)],
  });
}

const empty = (n: DerNode) => {
  if (n.children) n.children = [];
  else n.value = new Uint8Array(0);
};

describe("a malformed signer certificate gets HTTP 400 with a short reason", () => {
  it.each<[string, (der: Uint8Array) => Uint8Array]>([
    ["empty signatureAlgorithm", (der) => edited(der, [1], empty)],
    ["signatureAlgorithm with an OCTET STRING for the OID", (der) => edited(der, [1, 0], (n) => void (n.tag = 0x04))],
    ["signatureValue BIT STRING without its unused-bits octet", (der) => edited(der, [2], empty)],
    ["an extension without extnValue", (der) => edited(der, [0, 7, 0, 0], (n) => void n.children!.splice(1))],
    ["validity with notBefore in month 13", (der) => edited(der, [0, 4, 0], (n) => void (n.value = utf8("261328053051Z")))],
  ])("%s", async (_name, breakCert) => {
    const der = requestWithSignerCert(breakCert);
    const res = await workerFetch("http://scep.test/scep?operation=PKIOperation", { method: "POST", body: der });
    const body = await res.text();
    expect(res.status, res.status === 400 ? body : `content type ${res.headers.get("content-type")}`).toBe(400);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(body).toMatch(/malformed or unverifiable pkiMessage/);
    expect(body.length).toBeLessThan(200);
  });
});
