// pkcsPKIEnvelope (RFC 8894 §3.2.2): CMS EnvelopedData with RSA key transport.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { KeyObject } from "node:crypto";
import type { PrivateKeyHandle } from "../crypto/keys";
import { bytesEqual } from "../util/bytes";
import { algorithm, decodeAs, encodeDer, octetStringBytes, parseBer, serialBytes } from "./asn1";
import { cipherByName, cipherByOid, decryptContent, encryptContent, type ContentCipherName } from "./content-cipher";
import { unwrapOaep, unwrapPkcs1v15, wrapOaep, wrapPkcs1v15 } from "./key-transport";
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

export function recipientKeyFor(cert: pkijs.Certificate, key: PrivateKeyHandle): RecipientKey {
  const skiExt = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  const ski = skiExt ? octetStringBytes(asn1js.fromBER(skiExt.extnValue.getValue()).result as asn1js.OctetString) : undefined;
  return { issuerDer: encodeDer(cert.issuer.toSchema()), serial: serialBytes(cert.serialNumber), subjectKeyId: ski, key };
}

function matches(rid: pkijs.IssuerAndSerialNumber | asn1js.OctetString, candidate: RecipientKey): boolean {
  if (rid instanceof pkijs.IssuerAndSerialNumber) {
    return (
      bytesEqual(serialBytes(rid.serialNumber), candidate.serial) &&
      bytesEqual(encodeDer(rid.issuer.toSchema()), candidate.issuerDer)
    );
  }
  if (rid instanceof asn1js.OctetString && candidate.subjectKeyId) {
    return bytesEqual(octetStringBytes(rid), candidate.subjectKeyId);
  }
  return false;
}

export interface DecryptOptions {
  allowLegacyDes: boolean;
  randomBytes: (n: number) => Uint8Array;
}

export function decryptEnvelope(envelopeDer: Uint8Array, keys: RecipientKey[], options: DecryptOptions): DecryptedEnvelope {
  const enveloped = decodeAs("pkcsPKIEnvelope", () => {
    const info = new pkijs.ContentInfo({ schema: parseBer(envelopeDer, "pkcsPKIEnvelope") });
    if (info.contentType !== OID.envelopedData) throw new Error("not EnvelopedData");
    return new pkijs.EnvelopedData({ schema: info.content });
  });
  const eci = enveloped.encryptedContentInfo;
  const spec = cipherByOid(eci.contentEncryptionAlgorithm.algorithmId);
  if (!spec) throw new EnvelopeError("unsupported-cipher", `content cipher ${eci.contentEncryptionAlgorithm.algorithmId}`);
  if (spec.name === "des-cbc" && !options.allowLegacyDes) throw new EnvelopeError("legacy-des-refused", "single DES");
  const ivParam = eci.contentEncryptionAlgorithm.algorithmParams;
  if (!(ivParam instanceof asn1js.OctetString)) throw new EnvelopeError("malformed", "content cipher without IV");
  const iv = octetStringBytes(ivParam);
  if (!eci.encryptedContent) throw new EnvelopeError("malformed", "no encrypted content");
  const ciphertext = octetStringBytes(eci.encryptedContent);

  // scepclient encrypts to every certificate from GetCACert: pick the recipientInfo naming ours.
  for (const info of enveloped.recipientInfos) {
    if (info.variant !== 1 || !(info.value instanceof pkijs.KeyTransRecipientInfo)) continue;
    const ktri = info.value;
    const candidate = keys.find((k) => matches(ktri.rid, k));
    if (!candidate) continue;
    const encryptedKey = octetStringBytes(ktri.encryptedKey);
    const contentKey = unwrapContentKey(ktri.keyEncryptionAlgorithm, candidate.key, encryptedKey, spec.keyLength, options);
    try {
      return { content: decryptContent(spec, contentKey, iv, ciphertext), cipher: spec.name };
    } catch {
      throw new EnvelopeError("undecryptable", "envelope could not be decrypted");
    }
  }
  throw new EnvelopeError("not-for-us", "no recipientInfo names this server's certificate");
}

function unwrapContentKey(
  alg: pkijs.AlgorithmIdentifier,
  key: PrivateKeyHandle,
  encryptedKey: Uint8Array,
  keyLength: number,
  options: DecryptOptions,
): Uint8Array {
  if (alg.algorithmId === OID.rsaEncryption) return unwrapPkcs1v15(key, encryptedKey, keyLength, options.randomBytes);
  if (alg.algorithmId === OID.rsaesOaep) {
    const hash = oaepHash(alg.algorithmParams);
    try {
      const k = unwrapOaep(key, encryptedKey, hash);
      return k.length === keyLength ? k : options.randomBytes(keyLength);
    } catch {
      // Same outcome as a wrong key, like PKCS#1 v1.5 above.
      return options.randomBytes(keyLength);
    }
  }
  throw new EnvelopeError("unsupported-cipher", `key transport ${alg.algorithmId}`);
}

/** RSAES-OAEP-params (RFC 8017 A.2.1): hashAlgorithm [0], default SHA-1. MGF1 is assumed to use the same hash. */
function oaepHash(params: unknown): HashName {
  if (params instanceof asn1js.Sequence) {
    for (const item of params.valueBlock.value) {
      if (item.idBlock.tagClass === 3 && item.idBlock.tagNumber === 0) {
        const inner = (item as asn1js.Constructed).valueBlock.value[0];
        const oid = inner instanceof asn1js.Sequence ? inner.valueBlock.value[0] : undefined;
        if (oid instanceof asn1js.ObjectIdentifier) return DIGEST_OID_TO_HASH[oid.valueBlock.toString()] ?? "sha1";
      }
    }
  }
  return "sha1";
}

export interface EncryptOptions {
  cipher: ContentCipherName;
  randomBytes: (n: number) => Uint8Array;
}

export interface EnvelopeRecipient {
  cert: pkijs.Certificate;
  publicKey: KeyObject;
  /** RSAES-OAEP (SHA-1, as Windows sends it) instead of PKCS#1 v1.5; used by the test client. */
  oaep?: boolean;
}

/** EnvelopedData to RSA recipients (a CertRep has one: the request signer, RFC 8894 §3.3.2). */
export function encryptEnvelope(content: Uint8Array, recipients: EnvelopeRecipient[], options: EncryptOptions): Uint8Array {
  const spec = cipherByName(options.cipher);
  const contentKey = options.randomBytes(spec.keyLength);
  const iv = options.randomBytes(spec.ivLength);
  const recipientInfos = recipients.map((r) => {
    const ktri = new pkijs.KeyTransRecipientInfo({
      version: 0,
      rid: new pkijs.IssuerAndSerialNumber({ issuer: r.cert.issuer, serialNumber: r.cert.serialNumber }),
      keyEncryptionAlgorithm: r.oaep
        ? algorithm(OID.rsaesOaep, new asn1js.Sequence({ value: [] }))
        : algorithm(OID.rsaEncryption, new asn1js.Null()),
      encryptedKey: new asn1js.OctetString({
        valueHex: r.oaep ? wrapOaep(r.publicKey, contentKey) : wrapPkcs1v15(r.publicKey, contentKey),
      }),
    });
    return new pkijs.RecipientInfo({ variant: 1, value: ktri });
  });
  const enveloped = new pkijs.EnvelopedData({
    version: 0,
    recipientInfos,
    encryptedContentInfo: new pkijs.EncryptedContentInfo({
      contentType: OID.data,
      contentEncryptionAlgorithm: algorithm(spec.oid, new asn1js.OctetString({ valueHex: iv })),
      encryptedContent: new asn1js.OctetString({ valueHex: encryptContent(spec, contentKey, iv, content) }),
      disableSplit: true, // keep the reply DER: pkijs would otherwise emit BER segments
    }),
  });
  const info = new pkijs.ContentInfo({ contentType: OID.envelopedData, content: enveloped.toSchema() });
  return encodeDer(info.toSchema());
}
