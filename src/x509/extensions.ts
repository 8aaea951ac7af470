// X.509 v3 extensions (RFC 5280 §4.2) written as DER. Values are small and mostly constant, so they
// are written directly with the DER helpers.
import { children, content, DER_NULL, DER_TRUE, DerError, derBitString, derInteger, readTlv, TAG, tlv } from "../asn1/der";
import { oid, readOid } from "../asn1/oid";
import { OID } from "../asn1/oids";
import { digest } from "../crypto/digest";
import { utf8 } from "../util/bytes";

/** KeyUsage bits (RFC 5280 §4.2.1.3), numbered from the most significant bit of the first byte. */
const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
export type KeyUsageName = keyof typeof KeyUsageBit;

/** Every KeyUsage bit by number (§4.2.1.3), the two a CA never grants included, for reading requests. */
export const KEY_USAGE_BIT_NAMES = [...Object.keys(KeyUsageBit), "encipherOnly", "decipherOnly"] as const;

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (§4.1). */
export function extensionDer(extnID: string, critical: boolean, valueDer: Uint8Array): Uint8Array {
  // DER omits a BOOLEAN equal to its DEFAULT (X.690 §11.5), so only critical=TRUE is written.
  return critical
    ? tlv(TAG.SEQUENCE, oid(extnID), DER_TRUE, tlv(TAG.OCTET_STRING, valueDer))
    : tlv(TAG.SEQUENCE, oid(extnID), tlv(TAG.OCTET_STRING, valueDer));
}

/** KeyUsage as a DER BIT STRING with trailing zero bits dropped (X.690 §11.2.2), critical. */
export function keyUsageExtension(usages: KeyUsageName[]): Uint8Array {
  let bits = 0;
  let highest = 0;
  for (const u of usages) {
    bits |= 0x80 >> KeyUsageBit[u];
    highest = Math.max(highest, KeyUsageBit[u]);
  }
  return extensionDer(OID.keyUsage, true, derBitString(Uint8Array.of(bits), 7 - highest));
}

/**
 * The bit numbers a KeyUsage extnValue asserts (RFC 5280 §4.2.1.3), lowest first. Throws DerError
 * when it is not a BIT STRING of at most two octets with a valid unused-bits count.
 */
export function readKeyUsageBits(value: Uint8Array): number[] {
  const bits = readTlv(value, 0);
  if (bits.tag !== TAG.BIT_STRING || bits.end !== value.length) throw new DerError("KeyUsage is not a BIT STRING");
  const body = content(value, bits);
  const unused = body[0] ?? 8;
  if (body.length < 1 || body.length > 3 || unused > 7 || (body.length === 1 && unused > 0)) throw new DerError("malformed KeyUsage BIT STRING");
  const set: number[] = [];
  for (let i = 0; i < (body.length - 1) * 8 - unused; i++) if (body[1 + (i >> 3)]! & (0x80 >> (i & 7))) set.push(i);
  return set;
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (§4.2.1.12), as dotted OIDs. */
export function readExtKeyUsage(value: Uint8Array): string[] {
  const seq = readTlv(value, 0);
  if (seq.tag !== TAG.SEQUENCE || seq.end !== value.length) throw new DerError("ExtKeyUsageSyntax is not a SEQUENCE");
  const ids = children(value, seq);
  if (ids.length === 0 || ids.some((id) => id.tag !== TAG.OID)) throw new DerError("malformed ExtKeyUsageSyntax");
  // Strict: a requested purpose is re-encoded into the certificate, so it must round-trip (design rule 7).
  return ids.map((id) => readOid(content(value, id), "extended key usage"));
}

export function extKeyUsageExtension(purposes: string[]): Uint8Array {
  return extensionDer(OID.extKeyUsage, false, tlv(TAG.SEQUENCE, ...purposes.map(oid)));
}

/** basicConstraints, critical (§4.2.1.9). cA FALSE is the DEFAULT, so it encodes as an empty SEQUENCE. */
export function basicConstraintsExtension(ca: boolean, pathLength?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  if (ca) parts.push(DER_TRUE);
  if (ca && pathLength !== undefined) {
    if (pathLength < 0 || pathLength > 127) throw new Error("pathLength must be 0..127");
    parts.push(derInteger(pathLength));
  }
  return extensionDer(OID.basicConstraints, true, tlv(TAG.SEQUENCE, ...parts));
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value (no tag, length, unused-bits byte). */
export function keyIdentifierOfSpki(spkiDer: Uint8Array): Uint8Array {
  const spki = readTlv(spkiDer, 0);
  const keyBits = children(spkiDer, spki)[1];
  if (!keyBits || keyBits.tag !== TAG.BIT_STRING) throw new Error("SubjectPublicKeyInfo without a BIT STRING");
  return digest("sha1", content(spkiDer, keyBits).subarray(1));
}

export function subjectKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extensionDer(OID.subjectKeyIdentifier, false, tlv(TAG.OCTET_STRING, keyId));
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING } alone (§4.2.1.1, §5.2.1). */
export function authorityKeyIdentifierValue(keyId: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, tlv(0x80, keyId));
}

export function authorityKeyIdentifierExtension(keyId: Uint8Array, critical = false): Uint8Array {
  return extensionDer(OID.authorityKeyIdentifier, critical, authorityKeyIdentifierValue(keyId));
}

/** GeneralName uniformResourceIdentifier [6] IA5String, implicitly tagged. */
function uriName(url: string): Uint8Array {
  return tlv(0x86, utf8(url));
}

/** cRLDistributionPoints: one DistributionPoint { distributionPoint [0] { fullName [0] { URI } } } (§4.2.1.13). */
export function crlDistributionPointsExtension(url: string): Uint8Array {
  return extensionDer(OID.crlDistributionPoints, false, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(0xa0, tlv(0xa0, uriName(url))))));
}

/** authorityInfoAccess (§4.2.2.1): the OCSP responder first (what clients try first), then caIssuers. */
export function authorityInfoAccessExtension(urls: { ocsp?: string; caIssuers?: string }): Uint8Array {
  const descriptions: Uint8Array[] = [];
  if (urls.ocsp) descriptions.push(tlv(TAG.SEQUENCE, oid(OID.adOcsp), uriName(urls.ocsp)));
  if (urls.caIssuers) descriptions.push(tlv(TAG.SEQUENCE, oid(OID.caIssuers), uriName(urls.caIssuers)));
  return extensionDer(OID.authorityInfoAccess, false, tlv(TAG.SEQUENCE, ...descriptions));
}

/** id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): its value is NULL; relying parties skip the responder's own status. */
export function ocspNoCheckExtension(): Uint8Array {
  return extensionDer(OID.ocspNoCheck, false, DER_NULL);
}

/** subjectAltName carrying the requested GeneralNames bytes verbatim. */
export function subjectAltNameExtension(generalNamesDer: Uint8Array, critical: boolean): Uint8Array {
  return extensionDer(OID.subjectAltName, critical, generalNamesDer);
}
