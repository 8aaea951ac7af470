// PKCS#10 certification requests (RFC 2986) as SCEP clients send them (RFC 8894 §3.3.1).
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { publicKeyFromSpki } from "../crypto/keys";
import { hashForSignature, verifyBytes } from "../crypto/signature";
import { OID } from "../scep/oids";
import { toBytes } from "../util/bytes";
import { nameToText } from "./dn";
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
}

export interface ParsedCsr {
  der: Uint8Array;
  /** CertificationRequestInfo bytes: what the signature covers. */
  tbsDer: Uint8Array;
  subjectDer: Uint8Array;
  subject: pkijs.RelativeDistinguishedNames;
  subjectText: string;
  spkiDer: Uint8Array;
  key: CsrKeyInfo;
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

export function parseCsr(der: Uint8Array): ParsedCsr {
  let csr: pkijs.CertificationRequest;
  try {
    csr = pkijs.CertificationRequest.fromBER(der);
  } catch {
    throw new CsrError("not a DER PKCS#10 CertificationRequest");
  }
  const tbsDer = toBytes(csr.tbsView);
  const cri = asn1js.fromBER(tbsDer).result;
  if (!(cri instanceof asn1js.Sequence) || cri.valueBlock.value.length < 3) {
    throw new CsrError("malformed CertificationRequestInfo");
  }
  // Raw slices of the request, so the certificate copies subject and key byte for byte.
  const subjectDer = cri.valueBlock.value[1]!.valueBeforeDecodeView.slice();
  const spkiDer = cri.valueBlock.value[2]!.valueBeforeDecodeView.slice();

  let challengePassword: string | undefined;
  let requestedExtensions: pkijs.Extension[] = [];
  for (const attr of csr.attributes ?? []) {
    if (attr.type === OID.challengePassword) {
      challengePassword = readDirectoryString(attr.values[0]);
    } else if ((attr.type === OID.extensionRequest || attr.type === MS_EXTENSION_REQUEST) && attr.values[0]) {
      try {
        requestedExtensions = new pkijs.Extensions({ schema: attr.values[0] }).extensions;
      } catch {
        throw new CsrError("unreadable extensionRequest attribute");
      }
    }
  }
  const san = requestedExtensions.find((e) => e.extnID === OID.subjectAltName);

  return {
    der,
    tbsDer,
    subjectDer,
    subject: csr.subject,
    subjectText: nameToText(subjectDer),
    spkiDer,
    key: describeSpki(spkiDer, csr.subjectPublicKeyInfo.algorithm.algorithmId),
    signatureOid: csr.signatureAlgorithm.algorithmId,
    signature: toBytes(csr.signatureValue.valueBlock.valueHexView),
    challengePassword,
    requestedExtensions,
    subjectAltNameDer: findExtensionValue(requestedExtensions, OID.subjectAltName),
    subjectAltNameCritical: san?.critical,
  };
}

/**
 * challengePassword is a DirectoryString (PKCS#9 / RFC 2985 §5.4.1): PrintableString in most
 * clients, UTF8String in others (Windows, some Android builds); BMPString, T61String, IA5String and
 * UniversalString are seen in old gear. Any string type is accepted.
 */
function readDirectoryString(value: unknown): string | undefined {
  if (value instanceof asn1js.BaseStringBlock) return value.getValue();
  return undefined;
}

function describeSpki(spkiDer: Uint8Array, algorithmOid: string): CsrKeyInfo {
  try {
    const key = publicKeyFromSpki(spkiDer);
    const details = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === "rsa") return { algorithm: "rsa", bits: details.modulusLength ?? 0 };
    if (key.asymmetricKeyType === "ec") {
      const curve = details.namedCurve ?? "unknown";
      const bits = { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[curve] ?? 0;
      return { algorithm: "ec", bits, curve };
    }
    return { algorithm: "other", bits: details.modulusLength ?? 0, name: key.asymmetricKeyType ?? algorithmOid };
  } catch {
    return { algorithm: "other", bits: 0, name: algorithmOid };
  }
}

/** Proof of possession (RFC 2986 §3): the CSR's signature under its own public key. */
export function verifyCsrSignature(csr: ParsedCsr): boolean {
  const hash = hashForSignature(csr.signatureOid);
  if (!hash || csr.key.algorithm === "other") return false;
  let publicKey;
  try {
    publicKey = publicKeyFromSpki(csr.spkiDer);
  } catch {
    return false;
  }
  return verifyBytes(publicKey, hash, csr.tbsDer, csr.signature);
}

/** Key policy: RSA 2048..8192 bits, EC P-256 or P-384. Returns the refusal reason, or undefined. */
export function checkKeyPolicy(key: CsrKeyInfo): string | undefined {
  if (key.algorithm === "rsa") {
    if (key.bits < 2048) return `RSA key of ${key.bits} bits is too small (minimum 2048)`;
    if (key.bits > 8192) return `RSA key of ${key.bits} bits is too large (maximum 8192)`;
    return undefined;
  }
  if (key.algorithm === "ec") {
    if (key.curve === "prime256v1" || key.curve === "secp384r1") return undefined;
    return `EC curve ${key.curve ?? "unknown"} is not allowed (use P-256 or P-384)`;
  }
  return `key type ${key.name ?? "unknown"} is not allowed (use RSA 2048+ or EC P-256/P-384)`;
}
