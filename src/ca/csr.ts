// PKCS#10 certification requests (RFC 2986) as SCEP clients send them (RFC 8894 §3.3.1).
import type { KeyObject } from "node:crypto";
import { publicKeyFromSpki } from "../crypto/keys";
import { hashForSignature, verifyBytes } from "../crypto/signature";
import { children, content, DerError, readTlv, slice, TAG, type Tlv } from "../asn1/der";
import { decodeOid } from "../asn1/oid";
import { OID } from "../asn1/oids";
import { readDirectoryString } from "../asn1/strings";
import { bytesEqual } from "../util/bytes";
import { MAX_RDNS } from "../x509/name";

export class CsrError extends Error {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`invalid CSR: ${reason}`, options);
    this.name = "CsrError";
  }
}

/** A CSR past one of CSR_LIMITS: refused as it is read, before anything is built from it. */
export class CsrLimitError extends CsrError {
  constructor(reason: string) {
    super(reason);
    this.name = "CsrLimitError";
  }
}

/**
 * What a request may ask for, counted while the raw DER is read (design rule 8). A CSR with an
 * RSA-8192 key, 32 SANs and every extension Intune writes fits in a few KB.
 */
const CSR_LIMITS = Object.freeze({ bytes: 16_384, attributes: 16, extensions: 32, subjectRdns: MAX_RDNS, nameValuePairs: 16 });

export interface CsrKeyInfo {
  algorithm: "rsa" | "ec" | "other";
  /** RSA modulus bits or EC field size; 0 when unknown. */
  bits: number;
  /** node:crypto curve name for EC keys ("prime256v1", "secp384r1", ...). */
  curve?: string;
  /** node's asymmetricKeyType or the SPKI algorithm OID, for "other" keys. */
  name?: string;
  /** RSA public exponent e, for the key policy (BR §6.1.6). */
  publicExponent?: bigint;
}

/** One [MS-WCCE] §2.2.2.7.10 EnrollmentNameValuePair: SEQUENCE { name BMPString, value BMPString }. */
export interface NameValuePair {
  name: string;
  value: string;
}

/** A requested extension as sent: its value is parsed only by whoever honours it (design rule 7). */
export interface RequestedExtension {
  oid: string;
  critical: boolean;
  /** extnValue contents. */
  value: Uint8Array;
}

export interface ParsedCsr {
  der: Uint8Array;
  /** CertificationRequestInfo bytes: what the signature covers. */
  tbsDer: Uint8Array;
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  key: CsrKeyInfo;
  /** The requested public key, imported once (key policy and signature check both need it). */
  publicKey?: KeyObject;
  signatureOid: string;
  signature: Uint8Array;
  challengePassword?: string;
  requestedExtensions: RequestedExtension[];
  /** Enrollment name-value pairs (Windows' and Android's ValidityPeriod/ValidityPeriodUnits), in order. */
  nameValuePairs: NameValuePair[];
  /** The OID of an extension requested more than once (refused by the name policy). */
  duplicateExtension?: string;
  /** extnValue (GeneralNames DER) of the requested subjectAltName. */
  subjectAltNameDer?: Uint8Array;
  subjectAltNameCritical?: boolean;
  /** extnValue of Microsoft's SID extension (1.3.6.1.4.1.311.25.2), when requested. */
  sidExtensionDer?: Uint8Array;
}

// Windows and older Microsoft clients send their extensions in msExtReq (OID.msExtensionRequest) instead of PKCS#9 extensionRequest.

/**
 * Parses a DER CertificationRequest (RFC 2986 §4). The outer structure is walked as raw TLVs (fast,
 * and subject/SPKI stay byte-exact); extension values stay bytes until something honours them.
 */
export function parseCsr(der: Uint8Array, known?: KnownKey): ParsedCsr {
  try {
    return parseCsrOrThrow(der, known);
  } catch (e) {
    if (e instanceof CsrError) throw e;
    throw new CsrError(e instanceof DerError ? `not a DER PKCS#10 CertificationRequest (${e.message})` : "not a DER PKCS#10 CertificationRequest", {
      cause: e,
    });
  }
}

/**
 * A key already imported for this request: clients sign the request with a self-signed
 * certificate of the key they ask a certificate for, so the CSR usually names the same key.
 */
export interface KnownKey {
  spkiDer: Uint8Array;
  publicKey(): KeyObject;
}

function parseCsrOrThrow(der: Uint8Array, known: KnownKey | undefined): ParsedCsr {
  if (der.length > CSR_LIMITS.bytes) throw new CsrLimitError(`longer than ${CSR_LIMITS.bytes} bytes`);
  const outer = readTlv(der, 0);
  if (outer.tag !== TAG.SEQUENCE || outer.end !== der.length) throw new CsrError("not a single DER SEQUENCE");
  const [cri, sigAlg, sig] = children(der, outer);
  if (!cri || !sigAlg || !sig || cri.tag !== TAG.SEQUENCE || sigAlg.tag !== TAG.SEQUENCE || sig.tag !== TAG.BIT_STRING) {
    throw new CsrError("expected SEQUENCE { CertificationRequestInfo, AlgorithmIdentifier, BIT STRING }");
  }
  const [version, subject, spki, attributes] = children(der, cri);
  if (version?.tag !== TAG.INTEGER || subject?.tag !== TAG.SEQUENCE || spki?.tag !== TAG.SEQUENCE) {
    throw new CsrError("malformed CertificationRequestInfo");
  }
  if (countChildren(der, subject) > CSR_LIMITS.subjectRdns) throw new CsrLimitError(`the subject has more than ${CSR_LIMITS.subjectRdns} RDNs`);
  const sigOid = children(der, sigAlg)[0];
  if (sigOid?.tag !== TAG.OID) throw new CsrError("malformed signatureAlgorithm");
  const spkiAlg = children(der, spki)[0];
  const spkiOid = spkiAlg?.tag === TAG.SEQUENCE ? children(der, spkiAlg)[0] : undefined;
  if (spkiOid?.tag !== TAG.OID) throw new CsrError("malformed SubjectPublicKeyInfo");
  const sigBits = content(der, sig);
  if (sigBits.length < 2 || sigBits[0] !== 0) throw new CsrError("malformed signature BIT STRING");

  // RFC 2986 requires attributes [0]; a few encoders omit it when empty, which is harmless.
  let challengePassword: string | undefined;
  let requestedExtensions: RequestedExtension[] = [];
  const nameValuePairs: NameValuePair[] = [];
  if (attributes?.tag === 0xa0) {
    const list = children(der, attributes);
    if (list.length > CSR_LIMITS.attributes) throw new CsrLimitError(`more than ${CSR_LIMITS.attributes} attributes`);
    for (const attr of list) {
      const [type, values] = attr.tag === TAG.SEQUENCE ? children(der, attr) : [];
      if (type?.tag !== TAG.OID || values?.tag !== TAG.SET) throw new CsrError("malformed attribute");
      const attrOid = decodeOid(content(der, type));
      if (attrOid === OID.enrollmentNameValuePair) {
        // Windows sends two (ValidityPeriod, ValidityPeriodUnits); bounded like the other lists.
        for (const pair of children(der, values)) nameValuePairs.push(readNameValuePair(der, pair));
        if (nameValuePairs.length > CSR_LIMITS.nameValuePairs) throw new CsrLimitError(`more than ${CSR_LIMITS.nameValuePairs} name-value pairs`);
        continue;
      }
      const first = children(der, values)[0];
      if (!first) continue;
      if (attrOid === OID.challengePassword) {
        challengePassword = readDirectoryString(first.tag, content(der, first));
      } else if (attrOid === OID.extensionRequest || attrOid === OID.msExtensionRequest) {
        requestedExtensions = readExtensions(der, first);
      }
    }
  }
  const san = requestedExtensions.find((e) => e.oid === OID.subjectAltName);
  const seen = new Set<string>();
  let duplicateExtension: string | undefined;
  for (const e of requestedExtensions) {
    if (seen.has(e.oid)) duplicateExtension ??= e.oid;
    seen.add(e.oid);
  }
  const subjectDer = slice(der, subject);
  const spkiDer = slice(der, spki);
  const { info, publicKey } = describeSpki(
    spkiDer,
    decodeOid(content(der, spkiOid)),
    known && bytesEqual(known.spkiDer, spkiDer) ? known : undefined,
  );

  return {
    der,
    tbsDer: slice(der, cri),
    subjectDer,
    spkiDer,
    key: info,
    publicKey,
    signatureOid: decodeOid(content(der, sigOid)),
    signature: sigBits.subarray(1),
    challengePassword,
    requestedExtensions,
    nameValuePairs,
    duplicateExtension,
    subjectAltNameDer: san?.value,
    subjectAltNameCritical: san?.critical,
    sidExtensionDer: requestedExtensions.find((e) => e.oid === OID.ntdsCaSecurity)?.value,
  };
}

/** Extensions ::= SEQUENCE OF Extension (RFC 5280 §4.1), values left as bytes. */
function readExtensions(der: Uint8Array, seq: Tlv): RequestedExtension[] {
  if (seq.tag !== TAG.SEQUENCE) throw new CsrError("unreadable extensionRequest attribute");
  if (countChildren(der, seq) > CSR_LIMITS.extensions) throw new CsrLimitError(`more than ${CSR_LIMITS.extensions} requested extensions`);
  return children(der, seq).map((ext) => {
    const parts = ext.tag === TAG.SEQUENCE ? children(der, ext) : [];
    const id = parts[0];
    const critical = parts.length === 3 && parts[1]!.tag === TAG.BOOLEAN && der[parts[1]!.contentStart] !== 0;
    const value = parts[parts.length - 1];
    if (id?.tag !== TAG.OID || value?.tag !== TAG.OCTET_STRING || parts.length > 3) throw new CsrError("unreadable extensionRequest attribute");
    return { oid: decodeOid(content(der, id)), critical, value: content(der, value).slice() };
  });
}

/** EnrollmentNameValuePair; BMPString by [MS-WCCE], any character string read as text (no value is issued). */
function readNameValuePair(der: Uint8Array, pair: Tlv): NameValuePair {
  const [name, value, extra] = pair.tag === TAG.SEQUENCE ? children(der, pair) : [];
  const text = (t: Tlv | undefined) => (t ? readDirectoryString(t.tag, content(der, t)) : undefined);
  const n = text(name);
  const v = text(value);
  if (n === undefined || v === undefined || extra) throw new CsrError("unreadable enrollment name-value pair");
  return { name: n, value: v };
}

/** How many TLVs a constructed value holds, read without keeping them. */
function countChildren(der: Uint8Array, parent: Tlv): number {
  let n = 0;
  for (let at = parent.contentStart; at < parent.end; n++) at = readTlv(der, at, parent.end).end;
  return n;
}

function describeSpki(spkiDer: Uint8Array, algorithmOid: string, same?: KnownKey): { info: CsrKeyInfo; publicKey?: KeyObject } {
  let publicKey: KeyObject;
  try {
    publicKey = same ? same.publicKey() : publicKeyFromSpki(spkiDer);
  } catch {
    // workerd's BoringSSL refuses RSA keys over 16384 bits or with exponents over 33 bits outright.
    const name = algorithmOid === OID.rsaEncryption ? "RSA with a modulus or exponent out of range" : algorithmOid;
    return { info: { algorithm: "other", bits: 0, name }, publicKey: undefined };
  }
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (publicKey.asymmetricKeyType === "rsa") {
    return { info: { algorithm: "rsa", bits: details.modulusLength ?? 0, publicExponent: details.publicExponent }, publicKey };
  }
  if (publicKey.asymmetricKeyType === "ec") {
    const curve = details.namedCurve ?? "unknown";
    const bits = { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[curve] ?? 0;
    return { info: { algorithm: "ec", bits, curve }, publicKey };
  }
  return { info: { algorithm: "other", bits: details.modulusLength ?? 0, name: publicKey.asymmetricKeyType ?? algorithmOid }, publicKey };
}

/** Proof of possession (RFC 2986 §3): the CSR's signature under its own public key. */
export function verifyCsrSignature(csr: ParsedCsr): boolean {
  const hash = hashForSignature(csr.signatureOid);
  if (!hash || csr.key.algorithm === "other" || !csr.publicKey) return false;
  return verifyBytes(csr.publicKey, hash, csr.tbsDer, csr.signature);
}

const MIN_RSA_EXPONENT = 65537n; // 2^16 + 1
const MAX_RSA_EXPONENT = 2n ** 256n - 1n;
/** No profile goes below: Microsoft's matrix still lists RSA-1024 (allowed per profile, docs/configuration.md). */
export const RSA_FLOOR_BITS = 1024;
export const RSA_CEILING_BITS = 8192;

/**
 * The key policy no profile changes: RSA of 1024..8192 bits with an odd public exponent from 65537 to
 * 2^256-1 (CA/Browser Forum Baseline Requirements §6.1.6; small exponents such as 3 invite
 * low-exponent attacks), EC P-256 or P-384. The profile then decides the sizes it accepts (2048 up
 * by default: src/ca/profiles.ts). Returns the refusal reason, or undefined.
 */
export function checkKeyPolicy(key: CsrKeyInfo): string | undefined {
  if (key.algorithm === "rsa") {
    if (key.bits < RSA_FLOOR_BITS) return `RSA key of ${key.bits} bits is too small (never under ${RSA_FLOOR_BITS})`;
    if (key.bits > RSA_CEILING_BITS) return `RSA key of ${key.bits} bits is too large (maximum ${RSA_CEILING_BITS})`;
    const e = key.publicExponent;
    if (e === undefined || e % 2n === 0n || e < MIN_RSA_EXPONENT || e > MAX_RSA_EXPONENT) {
      const shown = e === undefined ? "(unreadable)" : e < 2n ** 64n ? String(e) : `of ${e.toString(2).length} bits`;
      return `RSA public exponent ${shown} is not allowed (use 65537)`;
    }
    return undefined;
  }
  if (key.algorithm === "ec") {
    if (key.curve === "prime256v1" || key.curve === "secp384r1") return undefined;
    return `EC curve ${key.curve ?? "unknown"} is not allowed (use P-256 or P-384)`;
  }
  return `key type ${key.name ?? "unknown"} is not allowed (use RSA 2048+ or EC P-256/P-384)`;
}
