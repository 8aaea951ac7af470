// Parsing and verifying an incoming pkiMessage (RFC 8894 §3.2): SignedData over the
// pkcsPKIEnvelope, one signer, SCEP signed attributes. The message is normalised from BER to DER
// once and then walked as raw TLVs: no object model is built for the parts SCEP ignores.
import { createHash, type KeyObject } from "node:crypto";
import { berToDer } from "../asn1/ber";
import { children, content, DerError, readTlv, slice, stripLeadingZeros, TAG, type Tlv } from "../asn1/der";
import { readOidTlv } from "../asn1/oid";
import { OID } from "../asn1/oids";
import { attributeText } from "../asn1/strings";
import { DIGEST_OID_TO_HASH, type HashName } from "../crypto/algorithms";
import { hashForSignature, verifyBytes } from "../crypto/signature";
import { bytesEqual, compareBytes, concatBytes } from "../util/bytes";
import { algorithmOid, parseCertView, type CertView } from "../x509/cert-view";
import { MESSAGE_LIMITS } from "./limits";
import { SCEP_OID } from "./oids";

/** A pkiMessage that is malformed or does not verify; the message is for logs (it never echoes request bytes). */
export class PkiMessageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PkiMessageError";
  }
}

export interface PkiMessage {
  messageType: number;
  /** transactionID as text, and its exact octets so replies echo it byte for byte. */
  transactionId: string;
  transactionIdBytes: Uint8Array;
  senderNonce: Uint8Array;
  /** Present on requests that carry a pkcsPKIEnvelope; absent on CertRep FAILURE/PENDING. */
  envelope?: Uint8Array;
  signer: CertView;
  signerCertDer: Uint8Array;
  signerPublicKey: KeyObject;
  hash: HashName;
  /** CertRep-only attributes, read when this module parses a reply (the test client). */
  pkiStatus?: number;
  failInfo?: number;
  failInfoText?: string;
  recipientNonce?: Uint8Array;
  /** DER of every certificate in the SignedData (a CertRep may carry the CA). */
  certificateDers: Uint8Array[];
}

/**
 * Decodes the pkiMessage and verifies its signature: the signed attributes' digest binds the
 * content, and the signer's key signs the attributes. Throws PkiMessageError with a reason for
 * logs; no reason echoes request bytes.
 */
export function parsePkiMessage(input: Uint8Array): PkiMessage {
  try {
    return parse(input);
  } catch (e) {
    if (e instanceof DerError) throw new PkiMessageError(`pkiMessage: ${e.message}`, { cause: e });
    throw e;
  }
}

function parse(input: Uint8Array): PkiMessage {
  const der = berToDer(input);
  const outer = readTlv(der, 0);
  if (outer.tag !== TAG.SEQUENCE || outer.end !== der.length) throw new PkiMessageError("not a ContentInfo");
  const [typeTlv, wrapper] = children(der, outer);
  if (readOidTlv(der, typeTlv, "contentType") !== OID.signedData || wrapper?.tag !== 0xa0) throw new PkiMessageError("not SignedData");
  const sd = children(der, wrapper)[0];
  if (sd?.tag !== TAG.SEQUENCE) throw new PkiMessageError("empty SignedData");
  // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos } (RFC 5652 §5.1)
  const fields = children(der, sd);
  const encap = fields[2];
  const signerInfos = fields[fields.length - 1];
  if (encap?.tag !== TAG.SEQUENCE || fields.length < 4 || signerInfos?.tag !== TAG.SET) throw new PkiMessageError("malformed SignedData");
  const certsField = fields.slice(3, -1).find((f) => f.tag === 0xa0);
  const certTlvs = certsField ? children(der, certsField).filter((c) => c.tag === TAG.SEQUENCE) : [];
  if (certTlvs.length > MESSAGE_LIMITS.certificates) throw new PkiMessageError(`more than ${MESSAGE_LIMITS.certificates} certificates`);
  const certificateDers = certTlvs.map((c) => slice(der, c));

  const signers = children(der, signerInfos);
  const [signerInfo] = signers;
  if (signers.length !== 1 || signerInfo?.tag !== TAG.SEQUENCE) throw new PkiMessageError(`expected one signerInfo, got ${signers.length}`);
  const si = children(der, signerInfo);
  const [, sid, digestAlg] = si;
  const signedAttrs = si.find((f) => f.tag === 0xa0);
  const afterAttrs = signedAttrs ? si.indexOf(signedAttrs) + 1 : 3;
  const sigAlg = si[afterAttrs];
  const signatureTlv = si[afterAttrs + 1];
  if (!sid || !digestAlg || !sigAlg || signatureTlv?.tag !== TAG.OCTET_STRING) throw new PkiMessageError("malformed SignerInfo");
  if (!signedAttrs) throw new PkiMessageError("no signed attributes");

  // Cheap before dear: the attributes are read and bounded before any digest, key or signature.
  const attrs = readAttributes(der, signedAttrs);
  const messageTypeText = attrs.get(SCEP_OID.messageType)?.text?.trim();
  if (!messageTypeText || !/^\d+$/.test(messageTypeText)) throw new PkiMessageError("messageType attribute missing or not a number");
  const tx = attrs.get(SCEP_OID.transactionID);
  if (!tx?.text) throw new PkiMessageError("transactionID attribute missing");
  if (tx.text.length > MESSAGE_LIMITS.transactionIdChars)
    throw new PkiMessageError(`transactionID longer than ${MESSAGE_LIMITS.transactionIdChars} characters`);
  const nonce = attrs.get(SCEP_OID.senderNonce);
  if (!nonce || nonce.tag !== TAG.OCTET_STRING) throw new PkiMessageError("senderNonce attribute missing");
  if (nonce.value.length > MESSAGE_LIMITS.senderNonceOctets)
    throw new PkiMessageError(`senderNonce longer than ${MESSAGE_LIMITS.senderNonceOctets} octets`);

  const digestOid = algorithmOid(der, digestAlg, "digestAlgorithm");
  const hash = DIGEST_OID_TO_HASH[digestOid];
  if (!hash) throw new PkiMessageError(`unsupported digest ${digestOid}`);
  const sigOid = algorithmOid(der, sigAlg, "signatureAlgorithm");
  const sigHash = hashForSignature(sigOid, digestOid);
  if (!sigHash) throw new PkiMessageError(`unsupported signature algorithm ${sigOid}`);

  const signer = findSigner(der, sid, certificateDers);
  if (!signer) throw new PkiMessageError("signer certificate not included");
  let signerPublicKey: KeyObject;
  try {
    signerPublicKey = signer.publicKey();
  } catch {
    throw new PkiMessageError("signer public key unreadable");
  }
  checkSignerKey(signerPublicKey);

  const eContent = eContentOf(der, encap);
  const digestAttr = attrs.get(OID.messageDigest);
  if (!digestAttr || digestAttr.tag !== TAG.OCTET_STRING) throw new PkiMessageError("messageDigest attribute missing");
  const digest = new Uint8Array(
    createHash(hash)
      .update(eContent ?? new Uint8Array(0))
      .digest(),
  );
  if (!bytesEqual(digestAttr.value, digest)) throw new PkiMessageError("messageDigest does not match the content");
  if (!verifySignedAttributes(der, signedAttrs, signerPublicKey, sigHash, content(der, signatureTlv))) {
    throw new PkiMessageError("signature does not verify with the signer certificate");
  }

  const recipientNonce = attrs.get(SCEP_OID.recipientNonce);
  const pkiStatus = attrs.get(SCEP_OID.pkiStatus)?.text;
  const failInfo = attrs.get(SCEP_OID.failInfo)?.text;

  return {
    messageType: Number(messageTypeText),
    transactionId: tx.text,
    transactionIdBytes: tx.value.slice(),
    senderNonce: nonce.value.slice(),
    envelope: eContent && eContent.length > 0 ? eContent.slice() : undefined,
    signer,
    signerCertDer: signer.der,
    signerPublicKey,
    hash,
    pkiStatus: pkiStatus !== undefined ? Number(pkiStatus) : undefined,
    failInfo: failInfo !== undefined ? Number(failInfo) : undefined,
    failInfoText: attrs.get(SCEP_OID.failInfoText)?.text,
    recipientNonce: recipientNonce?.tag === TAG.OCTET_STRING ? recipientNonce.value.slice() : undefined,
    certificateDers,
  };
}

/** encapContentInfo eContent [0] EXPLICIT OCTET STRING (already flattened by berToDer). */
function eContentOf(der: Uint8Array, encap: Tlv): Uint8Array | undefined {
  const wrapper = children(der, encap)[1];
  if (!wrapper) return undefined;
  if (wrapper.tag !== 0xa0) throw new PkiMessageError("eContent is not [0] EXPLICIT");
  const octets = children(der, wrapper)[0];
  if (!octets || octets.tag !== TAG.OCTET_STRING) throw new PkiMessageError("eContent is not an OCTET STRING");
  return content(der, octets);
}

interface AttributeValue {
  tag: number;
  value: Uint8Array;
  /** Text of string types (PrintableString, UTF8String, IA5String, ...). */
  text?: string;
}

function readAttributes(der: Uint8Array, signedAttrs: Tlv): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  const list = children(der, signedAttrs);
  if (list.length > MESSAGE_LIMITS.signedAttributes) throw new PkiMessageError(`more than ${MESSAGE_LIMITS.signedAttributes} signed attributes`);
  for (const attr of list) {
    const [type, values] = attr.tag === TAG.SEQUENCE ? children(der, attr) : [];
    if (values?.tag !== TAG.SET) throw new PkiMessageError("malformed attribute");
    const typeOid = readOidTlv(der, type, "attrType");
    const first = children(der, values)[0];
    if (!first) continue;
    const value = content(der, first);
    const text = attributeText(first.tag, value);
    out.set(typeOid, { tag: first.tag, value, text });
  }
  return out;
}

/**
 * A signer key whose verification costs what a client's key costs: RSA up to 8192 bits with an
 * exponent of at most 256 bits (OpenSSL accepts a public exponent as long as a 3072-bit modulus,
 * which makes one verification cost like a private-key operation). Other key types are refused
 * later, with a CertRep (the reply could not be encrypted to them).
 */
function checkSignerKey(key: KeyObject): void {
  if (key.asymmetricKeyType !== "rsa") return;
  const { modulusLength = 0, publicExponent = 0n } = key.asymmetricKeyDetails ?? {};
  if (modulusLength > MESSAGE_LIMITS.signerRsaBits) throw new PkiMessageError(`signer key larger than ${MESSAGE_LIMITS.signerRsaBits} bits`);
  if (publicExponent >= 1n << BigInt(MESSAGE_LIMITS.signerExponentBits))
    throw new PkiMessageError(`signer public exponent longer than ${MESSAGE_LIMITS.signerExponentBits} bits`);
}

function findSigner(der: Uint8Array, sid: Tlv, certificateDers: Uint8Array[]): CertView | undefined {
  const views = certificateDers.map((c) => parseCertView(c));
  if (sid.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(der, sid);
    if (issuer?.tag !== TAG.SEQUENCE || serial?.tag !== TAG.INTEGER) return undefined;
    const issuerDer = slice(der, issuer);
    const serialValue = stripLeadingZeros(content(der, serial));
    return views.find((v) => bytesEqual(v.serial, serialValue) && bytesEqual(v.issuerDer, issuerDer));
  }
  if (sid.tag === 0x80) {
    // subjectKeyIdentifier [0] (RFC 5652 §5.3)
    const keyId = content(der, sid);
    return views.find((v) => v.subjectKeyId && bytesEqual(v.subjectKeyId, keyId));
  }
  return undefined;
}

/**
 * The signature is over the DER of SET OF attributes. Take the attributes as sent (tag [0]
 * replaced by SET) first: that keeps whatever order the client signed (legacy clients sign
 * non-DER order, smallstep #1723); then try the DER (sorted) order.
 */
function verifySignedAttributes(der: Uint8Array, signedAttrs: Tlv, key: KeyObject, hash: HashName, signature: Uint8Array): boolean {
  const asSent = slice(der, signedAttrs).slice();
  asSent[0] = 0x31;
  if (verifyBytes(key, hash, asSent, signature)) return true;
  const elements = children(der, signedAttrs).map((c) => slice(der, c));
  const sorted = [...elements].sort(compareBytes);
  if (sorted.every((e, i) => e === elements[i])) return false;
  const body = concatBytes(...sorted);
  const set = concatBytes(asSent.subarray(0, signedAttrs.contentStart - signedAttrs.start), body);
  return verifyBytes(key, hash, set, signature);
}
