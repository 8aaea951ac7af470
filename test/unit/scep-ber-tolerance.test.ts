// BER a DER-only parser would refuse, as iOS, jscep and legacy clients send it: indefinite lengths,
// constructed OCTET STRING eContent, signed attributes in non-DER order (smallstep #1723).
import type { CertView } from "../../src/x509/cert-view";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { createHash, createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { decryptEnvelope, encryptEnvelope } from "../../src/scep/envelope";
import { encodeDer, parseCertificate } from "../support/pkijs";
import { attributeDer } from "../../src/scep/signed-data";
import { SCEP_OID } from "../../src/scep/oids";
import { OID } from "../../src/asn1/oids";
import { signBytes } from "../../src/crypto/signature";
import { generateKeyPair } from "../../src/ca/ca-generate";
import { selfSignedSigner } from "../../src/client/csr-builder";
import { importPrivateKeyPem, type PrivateKeyHandle } from "../../src/crypto/keys";
import { bytesEqual, bytesToHex } from "../../src/util/bytes";
import { concat, hasIndefiniteLength, indefinite, readTlv, splitTlvs, tlv } from "./support/asn1-walk";
import { fixedBytes, fixtureBytes, fixtureCaCertDer, fixtureCaRecipient, randomBytes } from "./support/real-clients";

/**
 * Rewrites a DER pkiMessage: ContentInfo -> [0] -> SignedData -> encapContentInfo -> [0] -> OCTET STRING.
 * `outer` makes ContentInfo, its [0] and SignedData indefinite-length; `chunks` splits eContent into a
 * constructed OCTET STRING of that many-byte segments (itself indefinite-length).
 */
function reencode(der: Uint8Array, opts: { outer?: boolean; chunks?: number; encapIndefinite?: boolean }): Uint8Array {
  const wrap = (tag: number, body: Uint8Array, indef: boolean | undefined) => (indef ? indefinite(tag, body) : tlv(tag, body));
  const ci = readTlv(der);
  const [oid, explicit] = splitTlvs(ci.content);
  const sd = readTlv(readTlv(explicit!).content);
  const parts = splitTlvs(sd.content);
  const encap = readTlv(parts[2]!);
  const [eType, eExplicit] = splitTlvs(encap.content);
  const octets = readTlv(readTlv(eExplicit!).content);
  expect(octets.tag).toBe(0x04);
  let eContent: Uint8Array;
  if (opts.chunks) {
    const segments: Uint8Array[] = [];
    for (let o = 0; o < octets.content.length; o += opts.chunks) segments.push(tlv(0x04, octets.content.subarray(o, o + opts.chunks)));
    eContent = indefinite(0x24, concat(...segments));
  } else {
    eContent = tlv(0x04, octets.content);
  }
  parts[2] = wrap(0x30, concat(eType!, wrap(0xa0, eContent, opts.encapIndefinite)), opts.encapIndefinite);
  const signedData = wrap(0x30, concat(...parts), opts.outer);
  return wrap(0x30, concat(oid!, wrap(0xa0, signedData, opts.outer)), opts.outer);
}

const fixtures = [
  "scepclient-PKCSReq-des-sha1.req.der",
  "certmonger-PKCSReq-aes256-sha256.req.der",
  "certmonger-rekey-PKCSReq19-signed-by-old-cert.req.der",
];

describe.each(fixtures)("BER re-encodings of %s still verify and decrypt", (file) => {
  const der = fixtureBytes(file);
  const original = parsePkiMessage(der);

  it("identity re-encoding reproduces the DER (the rewriter is sound)", () => {
    expect(bytesToHex(reencode(der, {}))).toBe(bytesToHex(der));
  });

  it.each([
    ["indefinite-length ContentInfo, [0] and SignedData", { outer: true }],
    ["constructed OCTET STRING eContent in 1000-byte segments", { chunks: 1000 }],
    ["constructed OCTET STRING eContent in 1-byte segments", { chunks: 1 }],
    ["everything indefinite, eContent segmented (iOS-style)", { outer: true, chunks: 512, encapIndefinite: true }],
  ])("%s", (_name, opts) => {
    const ber = reencode(der, opts);
    expect(hasIndefiniteLength(ber)).toBe(true);
    expect(bytesEqual(ber, der)).toBe(false);
    const m = parsePkiMessage(ber);
    expect(m.messageType).toBe(original.messageType);
    expect(m.transactionId).toBe(original.transactionId);
    expect(bytesToHex(m.envelope!)).toBe(bytesToHex(original.envelope!));
    const content = decryptEnvelope(m.envelope!, [fixtureCaRecipient()], { allowLegacyDes: true, randomBytes: fixedBytes(0) }).content;
    expect(content[0]).toBe(0x30);
  });

  it("a tampered segment of a constructed eContent fails the messageDigest check", () => {
    const ber = reencode(der, { chunks: 700 });
    const tampered = ber.slice();
    tampered[Buffer.from(ber).indexOf(Buffer.from(original.envelope!.subarray(800, 840)))]! ^= 1;
    expect(() => parsePkiMessage(tampered)).toThrow(/messageDigest/);
  });
});

describe("signed attributes as the client ordered them", () => {
  let key: PrivateKeyHandle;
  let cert: CertView;
  let envelope: Uint8Array;

  beforeAll(() => {
    key = importPrivateKeyPem(generateKeyPair({ algorithm: "rsa", bits: 2048 }).keyPem);
    cert = selfSignedSigner(key, { commonName: "legacy client" }, new Date(), randomBytes);
    envelope = encryptEnvelope(
      new Uint8Array([0x30, 0x00]),
      [{ cert: fixtureCaCertDer(), publicKey: createPublicKey(fixtureCaRecipient().key.key) }],
      {
        cipher: "aes-128-cbc",
        randomBytes,
      },
    );
  });

  type Order = "reverse" | "sorted";
  /** A PKCSReq whose signedAttrs go out in `sentOrder` while the signature covers `signedOrder`. */
  function handBuilt(sentOrder: Order, signedOrder: Order, signedAttrsIndefinite = false): Uint8Array {
    const encoded = [
      attributeDer(OID.contentType, ber(new asn1js.ObjectIdentifier({ value: OID.data }))),
      attributeDer(OID.messageDigest, ber(new asn1js.OctetString({ valueHex: createHash("sha256").update(envelope).digest() }))),
      attributeDer(SCEP_OID.messageType, ber(new asn1js.PrintableString({ value: "19" }))),
      attributeDer(SCEP_OID.transactionID, ber(new asn1js.PrintableString({ value: "legacy-order-1" }))),
      attributeDer(SCEP_OID.senderNonce, ber(new asn1js.OctetString({ valueHex: new Uint8Array(16).fill(7) }))),
    ];
    const sorted = [...encoded].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const reverse = [...sorted].reverse();
    const pick = (o: Order) => (o === "sorted" ? sorted : reverse);
    const signature = signBytes(key, "sha256", tlv(0x31, concat(...pick(signedOrder))));
    const signedAttrs = signedAttrsIndefinite ? indefinite(0xa0, concat(...pick(sentOrder))) : tlv(0xa0, concat(...pick(sentOrder)));
    const digestAlg = encodeDer(new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }).toSchema());
    const sid = encodeDer(
      new pkijs.IssuerAndSerialNumber({
        issuer: parseCertificate(cert.der).issuer,
        serialNumber: parseCertificate(cert.der).serialNumber,
      }).toSchema(),
    );
    const signerInfo = tlv(
      0x30,
      concat(
        tlv(0x02, Uint8Array.of(1)),
        sid,
        digestAlg,
        signedAttrs,
        encodeDer(new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }).toSchema()),
        tlv(0x04, signature),
      ),
    );
    const encap = tlv(0x30, concat(encodeDer(new asn1js.ObjectIdentifier({ value: OID.data })), tlv(0xa0, tlv(0x04, envelope))));
    const signedData = tlv(0x30, concat(tlv(0x02, Uint8Array.of(1)), tlv(0x31, digestAlg), encap, tlv(0xa0, cert.der), tlv(0x31, signerInfo)));
    return tlv(0x30, concat(encodeDer(new asn1js.ObjectIdentifier({ value: OID.signedData })), tlv(0xa0, signedData)));
  }

  it("control: DER order sent and signed verifies", () => {
    expect(parsePkiMessage(handBuilt("sorted", "sorted")).transactionId).toBe("legacy-order-1");
  });

  it("non-DER (reverse) order sent and signed as sent verifies", () => {
    const m = parsePkiMessage(handBuilt("reverse", "reverse"));
    expect(m.messageType).toBe(19);
    expect(m.transactionId).toBe("legacy-order-1");
    expect(bytesToHex(m.envelope!)).toBe(bytesToHex(envelope));
  });

  it("sent in reverse order but signed over the DER (sorted) SET verifies", () => {
    expect(parsePkiMessage(handBuilt("reverse", "sorted")).transactionId).toBe("legacy-order-1");
  });

  it("signedAttrs with an indefinite length, signed over DER, verifies", () => {
    const der = handBuilt("sorted", "sorted", true);
    expect(hasIndefiniteLength(der)).toBe(true);
    expect(parsePkiMessage(der).transactionId).toBe("legacy-order-1");
  });

  it("a signature over some other order is still refused", () => {
    // One attribute value changed after signing: no ordering fallback may rescue it.
    const der = handBuilt("reverse", "reverse");
    const at = Buffer.from(der).indexOf(Buffer.from("legacy-order-1"));
    const tampered = der.slice();
    tampered[at + 13] = "2".charCodeAt(0);
    expect(() => parsePkiMessage(tampered)).toThrow(/signature does not verify/);
  });
});

/** DER of an asn1js value (the attribute writer takes encoded values). */
function ber(value: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array {
  return new Uint8Array(value.toBER(false));
}
