// pkcsPKIEnvelope (RFC 8894 §3.2.2): CMS EnvelopedData (RFC 5652 §6) with RSA key transport,
// read and written as raw DER.
import type { KeyObject } from "node:crypto";
import type { PrivateKeyHandle } from "../crypto/keys";
import { berToDer } from "../util/ber";
import { bytesEqual, concatBytes } from "../util/bytes";
import { children, content, decodeOid, DerError, oid, readTlv, TAG, tlv, type Tlv } from "../util/der";
import { certView, issuerAndSerial, type CertRef } from "../x509/cert-ref";
import { stripLeadingZeros } from "../x509/cert-view";
import { cipherByName, cipherByOid, decryptContent, encryptContent, type ContentCipherName } from "./content-cipher";
import { unwrapOaepImplicit, unwrapPkcs1v15, wrapOaep, wrapPkcs1v15 } from "./key-transport";
import { DIGEST_OID_TO_HASH, OID, type HashName } from "./oids";

/** A certificate/key pair we can decrypt with, identified the way recipientInfos name it. */
export interface RecipientKey {
  issuerDer: Uint8Array;
  serial: Uint8Array;
  subjectKeyId?: Uint8Array;
  key: PrivateKeyHandle;
}

export type EnvelopeFailure =
  | "malformed"
  | "not-for-us" // no recipientInfo names our certificate
  | "unsupported-cipher"
  | "legacy-des-refused"
  | "undecryptable"; // wrong key, bad padding or bad content: deliberately one outcome

export class EnvelopeError extends Error {
  constructor(readonly reason: EnvelopeFailure, detail: string) {
    super(detail);
  }
}

export interface DecryptedEnvelope {
  content: Uint8Array;
  cipher: ContentCipherName;
}

export function recipientKeyFor(cert: CertRef, key: PrivateKeyHandle): RecipientKey {
  const view = certView(cert);
  return { issuerDer: view.issuerDer, serial: stripLeadingZeros(view.serial), subjectKeyId: view.subjectKeyId, key };
}

export interface DecryptOptions {
  allowLegacyDes: boolean;
  /**
   * @deprecated Ignored. Implicit rejection no longer draws random bytes: a failed key transport
   * continues with a key derived from the ciphertext (key-transport.ts implicitRejectionKey).
   */
  randomBytes?: (n: number) => Uint8Array;
}

interface KeyTransRecipient {
  rid: { issuerDer: Uint8Array; serial: Uint8Array } | { subjectKeyId: Uint8Array };
  algorithm: Tlv;
  encryptedKey: Uint8Array;
}

export function decryptEnvelope(envelopeDer: Uint8Array, keys: RecipientKey[], options: DecryptOptions): DecryptedEnvelope {
  let der: Uint8Array;
  let parsed: { recipients: KeyTransRecipient[]; cipherOid: string; iv?: Uint8Array; ciphertext: Uint8Array };
  try {
    der = berToDer(envelopeDer);
    parsed = parseEnvelopedData(der);
  } catch (e) {
    if (e instanceof DerError) throw new EnvelopeError("malformed", `pkcsPKIEnvelope: ${e.message}`);
    throw e;
  }
  const spec = cipherByOid(parsed.cipherOid);
  if (!spec) throw new EnvelopeError("unsupported-cipher", `content cipher ${parsed.cipherOid}`);
  if (spec.name === "des-cbc" && !options.allowLegacyDes) throw new EnvelopeError("legacy-des-refused", "single DES");
  if (!parsed.iv) throw new EnvelopeError("malformed", "content cipher without IV");

  // scepclient encrypts to every certificate from GetCACert: pick the recipientInfo naming ours.
  for (const ktri of parsed.recipients) {
    const candidate = keys.find((k) => matches(ktri.rid, k));
    if (!candidate) continue;
    const contentKey = unwrapContentKey(der, ktri, candidate.key, spec.keyLength);
    try {
      return { content: decryptContent(spec, contentKey, parsed.iv, parsed.ciphertext), cipher: spec.name };
    } catch {
      throw new EnvelopeError("undecryptable", "envelope could not be decrypted");
    }
  }
  throw new EnvelopeError("not-for-us", "no recipientInfo names this server's certificate");
}

function parseEnvelopedData(der: Uint8Array) {
  const outer = readTlv(der, 0);
  if (outer.end !== der.length) throw new DerError("trailing bytes");
  const [typeTlv, wrapper] = children(der, outer);
  if (!typeTlv || decodeOid(content(der, typeTlv)) !== OID.envelopedData || !wrapper) throw new DerError("not EnvelopedData");
  const ed = children(der, wrapper)[0];
  if (!ed) throw new DerError("empty EnvelopedData");
  const fields = children(der, ed).filter((f) => f.tag !== 0xa0 && f.tag !== 0xa1); // originatorInfo, unprotectedAttrs
  const [, recipientInfos, eci] = fields;
  if (!recipientInfos || recipientInfos.tag !== TAG.SET || !eci) throw new DerError("malformed EnvelopedData");
  const recipients: KeyTransRecipient[] = [];
  for (const ri of children(der, recipientInfos)) {
    if (ri.tag !== TAG.SEQUENCE) continue; // kari/kekri/pwri are tagged [1]..[3]: not ours
    const [, rid, algorithm, encryptedKey] = children(der, ri);
    if (!rid || !algorithm || !encryptedKey) throw new DerError("malformed KeyTransRecipientInfo");
    if (rid.tag === TAG.SEQUENCE) {
      const [issuer, serial] = children(der, rid);
      if (!issuer || !serial) throw new DerError("malformed IssuerAndSerialNumber");
      recipients.push({ rid: { issuerDer: der.subarray(issuer.start, issuer.end), serial: stripLeadingZeros(content(der, serial)) }, algorithm, encryptedKey: content(der, encryptedKey) });
    } else if (rid.tag === 0x80) {
      recipients.push({ rid: { subjectKeyId: content(der, rid) }, algorithm, encryptedKey: content(der, encryptedKey) });
    }
  }
  const [, cipherAlg, encrypted] = children(der, eci);
  if (!cipherAlg || !encrypted) throw new DerError("no encrypted content");
  const [cipherOidTlv, ivTlv] = children(der, cipherAlg);
  if (!cipherOidTlv) throw new DerError("malformed content cipher");
  // encryptedContent [0] IMPLICIT OCTET STRING: primitive, or constructed segments in BER.
  const ciphertext = encrypted.tag === 0x80 ? content(der, encrypted) : concatBytes(...children(der, encrypted).map((s) => content(der, s)));
  return {
    recipients,
    cipherOid: decodeOid(content(der, cipherOidTlv)),
    iv: ivTlv?.tag === TAG.OCTET_STRING ? content(der, ivTlv) : undefined,
    ciphertext,
  };
}

function matches(rid: KeyTransRecipient["rid"], candidate: RecipientKey): boolean {
  if ("issuerDer" in rid) return bytesEqual(rid.serial, candidate.serial) && bytesEqual(rid.issuerDer, candidate.issuerDer);
  return candidate.subjectKeyId !== undefined && bytesEqual(rid.subjectKeyId, candidate.subjectKeyId);
}

/** Both paddings fail into a deterministic key, never an error (implicit rejection, key-transport.ts). */
function unwrapContentKey(der: Uint8Array, ktri: KeyTransRecipient, key: PrivateKeyHandle, keyLength: number): Uint8Array {
  const [algOid, params] = children(der, ktri.algorithm);
  const alg = algOid ? decodeOid(content(der, algOid)) : "";
  if (alg === OID.rsaEncryption) return unwrapPkcs1v15(key, ktri.encryptedKey, keyLength);
  if (alg === OID.rsaesOaep) return unwrapOaepImplicit(key, ktri.encryptedKey, oaepHash(der, params), keyLength);
  throw new EnvelopeError("unsupported-cipher", `key transport ${alg}`);
}

/** RSAES-OAEP-params (RFC 8017 A.2.1): hashAlgorithm [0], default SHA-1. MGF1 is assumed to use the same hash. */
function oaepHash(der: Uint8Array, params: Tlv | undefined): HashName {
  if (params?.tag !== TAG.SEQUENCE) return "sha1";
  const hashField = children(der, params).find((f) => f.tag === 0xa0);
  const hashAlg = hashField ? children(der, hashField)[0] : undefined;
  const hashOid = hashAlg ? children(der, hashAlg)[0] : undefined;
  return hashOid ? (DIGEST_OID_TO_HASH[decodeOid(content(der, hashOid))] ?? "sha1") : "sha1";
}

export interface EncryptOptions {
  cipher: ContentCipherName;
  randomBytes: (n: number) => Uint8Array;
}

export interface EnvelopeRecipient {
  cert: CertRef;
  publicKey: KeyObject;
  /** RSAES-OAEP (SHA-1, as Windows sends it) instead of PKCS#1 v1.5; used by the test client. */
  oaep?: boolean;
}

const NULL = new Uint8Array([0x05, 0x00]);

/** EnvelopedData to RSA recipients (a CertRep has one: the request signer, RFC 8894 §3.3.2). */
export function encryptEnvelope(data: Uint8Array, recipients: EnvelopeRecipient[], options: EncryptOptions): Uint8Array {
  const spec = cipherByName(options.cipher);
  const contentKey = options.randomBytes(spec.keyLength);
  const iv = options.randomBytes(spec.ivLength);
  const recipientInfos = recipients.map((r) => {
    const { issuerDer, serialTlv } = issuerAndSerial(r.cert);
    const keyAlg = r.oaep ? tlv(TAG.SEQUENCE, oid(OID.rsaesOaep), tlv(TAG.SEQUENCE)) : tlv(TAG.SEQUENCE, oid(OID.rsaEncryption), NULL);
    const wrapped = r.oaep ? wrapOaep(r.publicKey, contentKey) : wrapPkcs1v15(r.publicKey, contentKey);
    // KeyTransRecipientInfo, version 0 with IssuerAndSerialNumber (RFC 5652 §6.2.1)
    return tlv(TAG.SEQUENCE, INTEGER_0, tlv(TAG.SEQUENCE, issuerDer, serialTlv), keyAlg, tlv(TAG.OCTET_STRING, wrapped));
  });
  const encryptedContentInfo = tlv(
    TAG.SEQUENCE,
    oid(OID.data),
    tlv(TAG.SEQUENCE, oid(spec.oid), tlv(TAG.OCTET_STRING, iv)),
    tlv(0x80, encryptContent(spec, contentKey, iv, data)),
  );
  const envelopedData = tlv(TAG.SEQUENCE, INTEGER_0, derSetOf(recipientInfos), encryptedContentInfo);
  return tlv(TAG.SEQUENCE, oid(OID.envelopedData), tlv(0xa0, envelopedData));
}

const INTEGER_0 = new Uint8Array([0x02, 0x01, 0x00]);

/** DER SET OF: elements in ascending order of their encodings (X.690 §11.6). */
export function derSetOf(elements: Uint8Array[]): Uint8Array {
  const sorted = [...elements].sort((a, b) => {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  });
  return tlv(TAG.SET, ...sorted);
}
