// PKCS#10 certification requests (RFC 2986) as SCEP clients send them (RFC 8894 §3.3.1).
import type { KeyObject } from "node:crypto";
import * as pkijs from "pkijs";
import { publicKeyFromSpki } from "../crypto/keys";
import { hashForSignature, verifyBytes } from "../crypto/signature";
import { OID } from "../scep/oids";
import { toBytes } from "../util/bytes";
import { children, content, decodeOid, DerError, readTlv, slice, TAG, type Tlv } from "../util/der";
import { nameFromDer, nameToText } from "./dn";
import { findExtensionValue } from "./profile";

export class CsrError extends Error {
  constructor(readonly reason: string) {
    super(`invalid CSR: ${reason}`);
    this.name = "CsrError";
  }
}

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

export interface ParsedCsr {
  der: Uint8Array;
  /** CertificationRequestInfo bytes: what the signature covers. */
  tbsDer: Uint8Array;
  subjectDer: Uint8Array;
  /** pkijs view of the subject, parsed lazily from subjectDer. */
  readonly subject: pkijs.RelativeDistinguishedNames;
  subjectText: string;
  spkiDer: Uint8Array;
  key: CsrKeyInfo;
  /** The requested public key, imported once (key policy and signature check both need it). */
  publicKey?: KeyObject;
  signatureOid: string;
  signature: Uint8Array;
  challengePassword?: string;
  requestedExtensions: pkijs.Extension[];
  /** extnValue (GeneralNames DER) of the requested subjectAltName. */
  subjectAltNameDer?: Uint8Array;
  subjectAltNameCritical?: boolean;
}

// Windows and older Microsoft clients send their extensions in msExtReq instead of PKCS#9 extensionRequest.
const MS_EXTENSION_REQUEST = "1.3.6.1.4.1.311.2.1.14";

/**
 * Parses a DER CertificationRequest (RFC 2986 §4). The outer structure is walked as raw TLVs (fast,
 * and subject/SPKI stay byte-exact); only the small attributes block goes through asn1js/pkijs.
 */
export function parseCsr(der: Uint8Array): ParsedCsr {
  try {
    return parseCsrOrThrow(der);
  } catch (e) {
    if (e instanceof CsrError) throw e;
    throw new CsrError(e instanceof DerError ? `not a DER PKCS#10 CertificationRequest (${e.message})` : "not a DER PKCS#10 CertificationRequest");
  }
}

function parseCsrOrThrow(der: Uint8Array): ParsedCsr {
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
  const sigOid = children(der, sigAlg)[0];
  if (sigOid?.tag !== TAG.OID) throw new CsrError("malformed signatureAlgorithm");
  const spkiAlg = children(der, spki)[0];
  const spkiOid = spkiAlg?.tag === TAG.SEQUENCE ? children(der, spkiAlg)[0] : undefined;
  if (spkiOid?.tag !== TAG.OID) throw new CsrError("malformed SubjectPublicKeyInfo");
  const sigBits = content(der, sig);
  if (sigBits.length < 2 || sigBits[0] !== 0) throw new CsrError("malformed signature BIT STRING");

  // RFC 2986 requires attributes [0]; a few encoders omit it when empty, which is harmless.
  let challengePassword: string | undefined;
  let requestedExtensions: pkijs.Extension[] = [];
  if (attributes?.tag === 0xa0) {
    for (const attr of children(der, attributes)) {
      const [type, values] = attr.tag === TAG.SEQUENCE ? children(der, attr) : [];
      if (type?.tag !== TAG.OID || values?.tag !== TAG.SET) throw new CsrError("malformed attribute");
      const attrOid = decodeOid(content(der, type));
      const first = children(der, values)[0];
      if (!first) continue;
      if (attrOid === OID.challengePassword) {
        challengePassword = readDirectoryString(first.tag, content(der, first));
      } else if (attrOid === OID.extensionRequest || attrOid === MS_EXTENSION_REQUEST) {
        requestedExtensions = readExtensions(der, first);
      }
    }
  }
  const san = requestedExtensions.find((e) => e.extnID === OID.subjectAltName);
  const subjectDer = slice(der, subject);
  let subjectRdn: pkijs.RelativeDistinguishedNames | undefined;
  const spkiDer = slice(der, spki);
  const { info, publicKey } = describeSpki(spkiDer, decodeOid(content(der, spkiOid)));

  return {
    der,
    tbsDer: slice(der, cri),
    subjectDer,
    // Built on first use: issuance only needs the raw bytes.
    get subject() {
      return (subjectRdn ??= nameFromDer(subjectDer));
    },
    subjectText: nameToText(subjectDer),
    spkiDer,
    key: info,
    publicKey,
    signatureOid: decodeOid(content(der, sigOid)),
    signature: sigBits.subarray(1),
    challengePassword,
    requestedExtensions,
    subjectAltNameDer: findExtensionValue(requestedExtensions, OID.subjectAltName),
    subjectAltNameCritical: san?.critical,
  };
}

/**
 * challengePassword is a DirectoryString (PKCS#9 / RFC 2985 §5.4.1): PrintableString in most
 * clients, UTF8String in others (Windows, some Android builds); BMPString, T61String, IA5String and
 * UniversalString are seen in old gear. Any of them is accepted.
 */
function readDirectoryString(tag: number, body: Uint8Array): string | undefined {
  switch (tag) {
    case 0x0c: // UTF8String
      return new TextDecoder().decode(body);
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
    case 0x14: // T61String: read as Latin-1, which is what senders of T61 actually mean
      return String.fromCharCode(...body);
    case 0x1e: // BMPString, UTF-16BE
      return new TextDecoder("utf-16be").decode(body);
    case 0x1c: {
      // UniversalString, UTF-32BE
      let out = "";
      for (let i = 0; i + 3 < body.length; i += 4) {
        out += String.fromCodePoint(((body[i]! << 24) | (body[i + 1]! << 16) | (body[i + 2]! << 8) | body[i + 3]!) >>> 0);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Extensions ::= SEQUENCE OF Extension (RFC 5280 §4.1), wrapped as pkijs objects without re-parsing values. */
function readExtensions(der: Uint8Array, seq: Tlv): pkijs.Extension[] {
  if (seq.tag !== TAG.SEQUENCE) throw new CsrError("unreadable extensionRequest attribute");
  return children(der, seq).map((ext) => {
    const parts = ext.tag === TAG.SEQUENCE ? children(der, ext) : [];
    const id = parts[0];
    const critical = parts.length === 3 && parts[1]!.tag === 0x01 && der[parts[1]!.contentStart] !== 0;
    const value = parts[parts.length - 1];
    if (id?.tag !== TAG.OID || value?.tag !== TAG.OCTET_STRING || parts.length > 3) throw new CsrError("unreadable extensionRequest attribute");
    const extnValue = content(der, value).slice();
    return new pkijs.Extension({ extnID: decodeOid(content(der, id)), critical, extnValue: extnValue.buffer });
  });
}

function describeSpki(spkiDer: Uint8Array, algorithmOid: string): { info: CsrKeyInfo; publicKey?: KeyObject } {
  let publicKey: KeyObject;
  try {
    publicKey = publicKeyFromSpki(spkiDer);
  } catch {
    return { info: { algorithm: "other", bits: 0, name: algorithmOid } };
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

/**
 * Key policy: RSA 2048..8192 bits with an odd public exponent from 65537 to 2^256-1 (CA/Browser
 * Forum Baseline Requirements §6.1.6; small exponents such as 3 invite low-exponent attacks), EC
 * P-256 or P-384. Returns the refusal reason, or undefined.
 */
export function checkKeyPolicy(key: CsrKeyInfo): string | undefined {
  if (key.algorithm === "rsa") {
    if (key.bits < 2048) return `RSA key of ${key.bits} bits is too small (minimum 2048)`;
    if (key.bits > 8192) return `RSA key of ${key.bits} bits is too large (maximum 8192)`;
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
