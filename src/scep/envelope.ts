// pkcsPKIEnvelope (RFC 8894 §3.2.2): CMS EnvelopedData (RFC 5652 §6) with RSA key transport,
// read and written as raw DER.
import type { KeyObject } from "node:crypto";
import { berToDer } from "../asn1/ber";
import { children, content, DER_NULL, derInteger, derSetOf, DerError, readTlv, slice, stripLeadingZeros, TAG, tlv, type Tlv } from "../asn1/der";
import { oid, readOidTlv } from "../asn1/oid";
import { OID } from "../asn1/oids";
import { DIGEST_OID_TO_HASH, type HashName } from "../crypto/algorithms";
import type { PrivateKeyHandle } from "../crypto/keys";
import { bytesEqual, concatBytes } from "../util/bytes";
import { certView, issuerAndSerial, type CertRef } from "../x509/cert-ref";
import { algorithmOid } from "../x509/cert-view";
import { cipherByName, cipherByOid, decryptContent, encryptContent, type ContentCipherName } from "./content-cipher";
import { MESSAGE_LIMITS } from "./limits";
import { unwrapOaepImplicit, unwrapPkcs1v15, wrapOaep, wrapPkcs1v15 } from "./key-transport";

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
  constructor(
    readonly reason: EnvelopeFailure,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(detail, options);
    this.name = "EnvelopeError";
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
  /** keyEncryptionAlgorithm OID, and the OAEP hash when it is RSAES-OAEP. */
  algorithm: string;
  oaepHash: HashName;
  encryptedKey: Uint8Array;
}

export function decryptEnvelope(envelopeDer: Uint8Array, keys: RecipientKey[], options: DecryptOptions): DecryptedEnvelope {
  let parsed: ReturnType<typeof parseEnvelopedData>;
  try {
    parsed = parseEnvelopedData(berToDer(envelopeDer));
  } catch (e) {
    if (e instanceof DerError) throw new EnvelopeError("malformed", `pkcsPKIEnvelope: ${e.message}`, { cause: e });
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
    const contentKey = unwrapContentKey(ktri, candidate.key, spec.keyLength);
    try {
      return { content: decryptContent(spec, contentKey, parsed.iv, parsed.ciphertext), cipher: spec.name };
    } catch (e) {
      throw new EnvelopeError("undecryptable", "envelope could not be decrypted", { cause: e });
    }
  }
  throw new EnvelopeError("not-for-us", "no recipientInfo names this server's certificate");
}

/** Every field read here is checked for shape first: DerError, never a TypeError (design rule 2). */
function parseEnvelopedData(der: Uint8Array) {
  const outer = readTlv(der, 0);
  if (outer.tag !== TAG.SEQUENCE || outer.end !== der.length) throw new DerError("not a ContentInfo");
  const [typeTlv, wrapper] = children(der, outer);
  if (readOidTlv(der, typeTlv, "contentType") !== OID.envelopedData || wrapper?.tag !== 0xa0) throw new DerError("not EnvelopedData");
  const ed = children(der, wrapper)[0];
  if (ed?.tag !== TAG.SEQUENCE) throw new DerError("malformed EnvelopedData");
  const fields = children(der, ed).filter((f) => f.tag !== 0xa0 && f.tag !== 0xa1); // originatorInfo, unprotectedAttrs
  const [, recipientInfos, eci] = fields;
  if (recipientInfos?.tag !== TAG.SET || eci?.tag !== TAG.SEQUENCE) throw new DerError("malformed EnvelopedData");
  const recipients: KeyTransRecipient[] = [];
  const infos = children(der, recipientInfos);
  if (infos.length > MESSAGE_LIMITS.recipientInfos) throw new DerError(`more than ${MESSAGE_LIMITS.recipientInfos} recipientInfos`);
  for (const ri of infos) {
    if (ri.tag !== TAG.SEQUENCE) continue; // kari/kekri/pwri are tagged [1]..[3]: not ours
    // KeyTransRecipientInfo ::= SEQUENCE { version, rid, keyEncryptionAlgorithm, encryptedKey } (RFC 5652 §6.2.1)
    const [, rid, algorithm, encryptedKeyTlv] = children(der, ri);
    if (!rid || !algorithm || encryptedKeyTlv?.tag !== TAG.OCTET_STRING) throw new DerError("malformed KeyTransRecipientInfo");
    const [algTlv, params, extra] = algorithm.tag === TAG.SEQUENCE ? children(der, algorithm) : [];
    if (extra) throw new DerError("malformed keyEncryptionAlgorithm");
    const alg = readOidTlv(der, algTlv, "keyEncryptionAlgorithm");
    const keyTransport = {
      algorithm: alg,
      oaepHash: alg === OID.rsaesOaep ? oaepHash(der, params) : ("sha1" as const),
      encryptedKey: content(der, encryptedKeyTlv),
    };
    if (rid.tag === TAG.SEQUENCE) {
      const [issuer, serial] = children(der, rid);
      if (issuer?.tag !== TAG.SEQUENCE || serial?.tag !== TAG.INTEGER) throw new DerError("malformed IssuerAndSerialNumber");
      recipients.push({ rid: { issuerDer: slice(der, issuer), serial: stripLeadingZeros(content(der, serial)) }, ...keyTransport });
    } else if (rid.tag === 0x80) {
      recipients.push({ rid: { subjectKeyId: content(der, rid) }, ...keyTransport });
    }
  }
  const [, cipherAlg, encrypted] = children(der, eci);
  if (!cipherAlg || !encrypted) throw new DerError("no encrypted content");
  const [cipherOidTlv, ivTlv] = cipherAlg.tag === TAG.SEQUENCE ? children(der, cipherAlg) : [];
  const cipherOid = readOidTlv(der, cipherOidTlv, "contentEncryptionAlgorithm");
  // encryptedContent [0] IMPLICIT OCTET STRING: primitive, or constructed segments in BER.
  let ciphertext: Uint8Array;
  if (encrypted.tag === 0x80) ciphertext = content(der, encrypted);
  else if (encrypted.tag === 0xa0) ciphertext = concatBytes(...children(der, encrypted).map((s) => content(der, s)));
  else throw new DerError("malformed encryptedContent");
  return { recipients, cipherOid, iv: ivTlv?.tag === TAG.OCTET_STRING ? content(der, ivTlv) : undefined, ciphertext };
}

function matches(rid: KeyTransRecipient["rid"], candidate: RecipientKey): boolean {
  if ("issuerDer" in rid) return bytesEqual(rid.serial, candidate.serial) && bytesEqual(rid.issuerDer, candidate.issuerDer);
  return candidate.subjectKeyId !== undefined && bytesEqual(rid.subjectKeyId, candidate.subjectKeyId);
}

/** Both paddings fail into a deterministic key, never an error (implicit rejection, key-transport.ts). */
function unwrapContentKey(ktri: KeyTransRecipient, key: PrivateKeyHandle, keyLength: number): Uint8Array {
  if (ktri.algorithm === OID.rsaEncryption) return unwrapPkcs1v15(key, ktri.encryptedKey, keyLength);
  if (ktri.algorithm === OID.rsaesOaep) return unwrapOaepImplicit(key, ktri.encryptedKey, ktri.oaepHash, keyLength);
  throw new EnvelopeError("unsupported-cipher", `key transport ${ktri.algorithm}`);
}

/** RSAES-OAEP-params (RFC 8017 A.2.1): hashAlgorithm [0], default SHA-1. MGF1 is assumed to use the same hash. */
function oaepHash(der: Uint8Array, params: Tlv | undefined): HashName {
  if (params?.tag !== TAG.SEQUENCE) return "sha1";
  const hashField = children(der, params).find((f) => f.tag === 0xa0);
  const hashAlg = hashField ? children(der, hashField)[0] : undefined;
  if (!hashAlg) return "sha1";
  return DIGEST_OID_TO_HASH[algorithmOid(der, hashAlg, "OAEP hashAlgorithm")] ?? "sha1";
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

/** EnvelopedData to RSA recipients (a CertRep has one: the request signer, RFC 8894 §3.3.2). */
export function encryptEnvelope(data: Uint8Array, recipients: EnvelopeRecipient[], options: EncryptOptions): Uint8Array {
  const spec = cipherByName(options.cipher);
  const contentKey = options.randomBytes(spec.keyLength);
  const iv = options.randomBytes(spec.ivLength);
  const recipientInfos = recipients.map((r) => {
    const { issuerDer, serialTlv } = issuerAndSerial(r.cert);
    const keyAlg = r.oaep ? tlv(TAG.SEQUENCE, oid(OID.rsaesOaep), tlv(TAG.SEQUENCE)) : tlv(TAG.SEQUENCE, oid(OID.rsaEncryption), DER_NULL);
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

const INTEGER_0 = derInteger(0);
