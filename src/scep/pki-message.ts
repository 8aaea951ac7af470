// Parsing and verifying an incoming pkiMessage (RFC 8894 §3.2): SignedData over the
// pkcsPKIEnvelope, one signer, SCEP signed attributes.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { createHash, type KeyObject } from "node:crypto";
import { publicKeyFromSpki } from "../crypto/keys";
import { hashForSignature, verifyBytes } from "../crypto/signature";
import { bytesEqual, concatBytes, toBytes } from "../util/bytes";
import { asn1StringValue, certificateDer, decodeAs, encodeDer, octetStringBytes, parseBer, primitiveValueBytes, serialBytes } from "./asn1";
import { DIGEST_OID_TO_HASH, OID, type HashName } from "./oids";

export class PkiMessageError extends Error {}

export interface PkiMessage {
  messageType: number;
  /** transactionID as text, and its exact octets so replies echo it byte for byte. */
  transactionId: string;
  transactionIdBytes: Uint8Array;
  senderNonce: Uint8Array;
  /** Present on requests that carry a pkcsPKIEnvelope; absent on CertRep FAILURE/PENDING. */
  envelope?: Uint8Array;
  signerCert: pkijs.Certificate;
  signerCertDer: Uint8Array;
  signerPublicKey: KeyObject;
  hash: HashName;
  /** CertRep-only attributes, read when this module parses a reply (the test client). */
  pkiStatus?: number;
  failInfo?: number;
  failInfoText?: string;
  recipientNonce?: Uint8Array;
  /** Every certificate of the SignedData (a CertRep may carry the CA). */
  certificates: pkijs.Certificate[];
}

/**
 * Decodes the pkiMessage and verifies its signature: the signed attributes' digest binds the
 * content, and the signer's key signs the attributes. Throws PkiMessageError with a reason
 * suitable for logs; nothing in a reason echoes request bytes.
 */
export function parsePkiMessage(der: Uint8Array): PkiMessage {
  const signedData = decodeAs("pkiMessage", () => {
    const info = new pkijs.ContentInfo({ schema: parseBer(der, "pkiMessage") });
    if (info.contentType !== OID.signedData) throw new Error("not SignedData");
    return new pkijs.SignedData({ schema: info.content });
  });
  if (signedData.signerInfos.length !== 1) throw new PkiMessageError(`expected one signerInfo, got ${signedData.signerInfos.length}`);
  const signerInfo = signedData.signerInfos[0]!;
  const certificates = (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const signerCert = findSigner(signerInfo, certificates);
  if (!signerCert) throw new PkiMessageError("signer certificate not included");
  const signed = signerInfo.signedAttrs;
  if (!signed) throw new PkiMessageError("no signed attributes");

  const digestOid = signerInfo.digestAlgorithm.algorithmId;
  const hash = DIGEST_OID_TO_HASH[digestOid];
  if (!hash) throw new PkiMessageError(`unsupported digest ${digestOid}`);
  const sigHash = hashForSignature(signerInfo.signatureAlgorithm.algorithmId, digestOid);
  if (!sigHash) throw new PkiMessageError(`unsupported signature algorithm ${signerInfo.signatureAlgorithm.algorithmId}`);

  const attrs = new Map<string, asn1js.AsnType>();
  for (const attr of signed.attributes) if (attr.values[0] !== undefined) attrs.set(attr.type, attr.values[0]);

  const eContent = signedData.encapContentInfo.eContent;
  const content = eContent ? octetStringBytes(eContent) : new Uint8Array(0);
  const digestAttr = attrs.get(OID.messageDigest);
  if (!(digestAttr instanceof asn1js.OctetString)) throw new PkiMessageError("messageDigest attribute missing");
  if (!bytesEqual(octetStringBytes(digestAttr), new Uint8Array(createHash(hash).update(content).digest()))) {
    throw new PkiMessageError("messageDigest does not match the content");
  }

  const signerPublicKey = decodeAs("signer public key", () =>
    publicKeyFromSpki(encodeDer(signerCert.subjectPublicKeyInfo.toSchema())),
  );
  const signature = octetStringBytes(signerInfo.signature);
  if (!verifySignedAttributes(signed, signerPublicKey, sigHash, signature)) {
    throw new PkiMessageError("signature does not verify with the signer certificate");
  }

  const messageTypeText = asn1StringValue(attrs.get(OID.messageType));
  const messageType = messageTypeText !== undefined && /^\d+$/.test(messageTypeText.trim()) ? Number(messageTypeText.trim()) : NaN;
  if (!Number.isInteger(messageType)) throw new PkiMessageError("messageType attribute missing or not a number");
  const txValue = attrs.get(OID.transactionID);
  const transactionId = asn1StringValue(txValue);
  const transactionIdBytes = txValue ? primitiveValueBytes(txValue) : undefined;
  if (!transactionId || !transactionIdBytes) throw new PkiMessageError("transactionID attribute missing");
  const nonce = attrs.get(OID.senderNonce);
  if (!(nonce instanceof asn1js.OctetString)) throw new PkiMessageError("senderNonce attribute missing");
  const recipientNonce = attrs.get(OID.recipientNonce);
  const pkiStatusText = asn1StringValue(attrs.get(OID.pkiStatus));
  const failInfoText = asn1StringValue(attrs.get(OID.failInfo));

  return {
    messageType,
    transactionId,
    transactionIdBytes,
    senderNonce: octetStringBytes(nonce),
    envelope: eContent && content.length > 0 ? content : undefined,
    signerCert,
    signerCertDer: certificateDer(signerCert),
    signerPublicKey,
    hash,
    pkiStatus: pkiStatusText !== undefined ? Number(pkiStatusText) : undefined,
    failInfo: failInfoText !== undefined ? Number(failInfoText) : undefined,
    failInfoText: asn1StringValue(attrs.get(OID.failInfoText)),
    recipientNonce: recipientNonce instanceof asn1js.OctetString ? octetStringBytes(recipientNonce) : undefined,
    certificates,
  };
}

function findSigner(signerInfo: pkijs.SignerInfo, certificates: pkijs.Certificate[]): pkijs.Certificate | undefined {
  const sid = signerInfo.sid as unknown;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const serial = serialBytes(sid.serialNumber);
    const issuer = encodeDer(sid.issuer.toSchema());
    return certificates.find(
      (c) => bytesEqual(serialBytes(c.serialNumber), serial) && bytesEqual(encodeDer(c.issuer.toSchema()), issuer),
    );
  }
  // subjectKeyIdentifier [0]: match against the certificates' SKI extension.
  if (sid instanceof asn1js.Constructed || sid instanceof asn1js.Primitive || sid instanceof asn1js.OctetString) {
    const keyId = toBytes((sid as unknown as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView ?? new Uint8Array());
    return certificates.find((c) => {
      const ext = c.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
      if (!ext) return false;
      const inner = asn1js.fromBER(ext.extnValue.getValue()).result;
      return inner instanceof asn1js.OctetString && bytesEqual(octetStringBytes(inner), keyId);
    });
  }
  return certificates.length === 1 ? certificates[0] : undefined;
}

/**
 * The signature is over the DER of SET OF attributes. Take the bytes as sent (tag [0] replaced
 * by SET) first: that keeps whatever attribute order the client signed (legacy clients sign
 * non-DER order, smallstep #1723). If the message came as BER, fall back to a DER re-encoding.
 */
function verifySignedAttributes(
  signed: pkijs.SignedAndUnsignedAttributes,
  key: KeyObject,
  hash: HashName,
  signature: Uint8Array,
): boolean {
  const asSent = toBytes(signed.encodedValue).slice();
  if (asSent.length > 0) {
    asSent[0] = 0x31;
    if (verifyBytes(key, hash, asSent, signature)) return true;
  }
  const reencoded = encodeDer(new asn1js.Set({ value: signed.attributes.map((a) => a.toSchema()) }));
  if (verifyBytes(key, hash, reencoded, signature)) return true;
  const sorted = signed.attributes.map((a) => encodeDer(a.toSchema())).sort(compare);
  return verifyBytes(key, hash, derSetOf(sorted), signature);
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function derSetOf(elements: Uint8Array[]): Uint8Array {
  const body = concatBytes(...elements);
  return concatBytes(derHeader(0x31, body.length), body);
}

function derHeader(tag: number, length: number): Uint8Array {
  if (length < 0x80) return new Uint8Array([tag, length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return new Uint8Array([tag, 0x80 | bytes.length, ...bytes]);
}
