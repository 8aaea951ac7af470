// Certificate profile pieces: X.509 v3 extensions (RFC 5280 §4.2) as DER, and validity encoding.
// Values are small and mostly constant, so they are written directly with the DER helpers.
import { createHash } from "node:crypto";
import type * as pkijs from "pkijs";
import { OID } from "../scep/oids";
import { toBytes, utf8 } from "../util/bytes";
import { children, content, oid, readTlv, TAG, tlv } from "../util/der";

/** KeyUsage bits (RFC 5280 §4.2.1.3), numbered from the most significant bit of the first byte. */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
export type KeyUsageName = keyof typeof KeyUsageBit;

const TRUE = new Uint8Array([0x01, 0x01, 0xff]);

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (§4.1). */
export function extensionDer(extnID: string, critical: boolean, valueDer: Uint8Array): Uint8Array {
  // DER omits a BOOLEAN equal to its DEFAULT (X.690 §11.5), so only critical=TRUE is written.
  return critical
    ? tlv(TAG.SEQUENCE, oid(extnID), TRUE, tlv(TAG.OCTET_STRING, valueDer))
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
  return extensionDer(OID.keyUsage, true, new Uint8Array([TAG.BIT_STRING, 0x02, 7 - highest, bits]));
}

export function extKeyUsageExtension(purposes: string[]): Uint8Array {
  return extensionDer(OID.extKeyUsage, false, tlv(TAG.SEQUENCE, ...purposes.map(oid)));
}

/** basicConstraints, critical (§4.2.1.9). cA FALSE is the DEFAULT, so it encodes as an empty SEQUENCE. */
export function basicConstraintsExtension(ca: boolean, pathLength?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  if (ca) parts.push(TRUE);
  if (ca && pathLength !== undefined) {
    if (pathLength < 0 || pathLength > 127) throw new Error("pathLength must be 0..127");
    parts.push(new Uint8Array([TAG.INTEGER, 0x01, pathLength]));
  }
  return extensionDer(OID.basicConstraints, true, parts.length ? tlv(TAG.SEQUENCE, ...parts) : new Uint8Array([0x30, 0x00]));
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value (no tag, length, unused-bits byte). */
export function keyIdentifierOfSpki(spkiDer: Uint8Array): Uint8Array {
  const spki = readTlv(spkiDer, 0);
  const keyBits = children(spkiDer, spki)[1];
  if (!keyBits || keyBits.tag !== TAG.BIT_STRING) throw new Error("SubjectPublicKeyInfo without a BIT STRING");
  return new Uint8Array(createHash("sha1").update(content(spkiDer, keyBits).subarray(1)).digest());
}

export function subjectKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extensionDer(OID.subjectKeyIdentifier, false, tlv(TAG.OCTET_STRING, keyId));
}

/** AuthorityKeyIdentifier with keyIdentifier [0] only (§4.2.1.1). */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extensionDer(OID.authorityKeyIdentifier, false, tlv(TAG.SEQUENCE, tlv(0x80, keyId)));
}

/** GeneralName uniformResourceIdentifier [6] IA5String, implicitly tagged. */
function uriName(url: string): Uint8Array {
  return tlv(0x86, utf8(url));
}

/** cRLDistributionPoints: one DistributionPoint { distributionPoint [0] { fullName [0] { URI } } } (§4.2.1.13). */
export function crlDistributionPointsExtension(url: string): Uint8Array {
  return extensionDer(OID.crlDistributionPoints, false, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(0xa0, tlv(0xa0, uriName(url))))));
}

/** authorityInfoAccess with one caIssuers AccessDescription (§4.2.2.1). */
export function caIssuersExtension(url: string): Uint8Array {
  return extensionDer(OID.authorityInfoAccess, false, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, oid(OID.caIssuers), uriName(url))));
}

/** subjectAltName carrying the requested GeneralNames bytes verbatim. */
export function subjectAltNameExtension(generalNamesDer: Uint8Array, critical: boolean): Uint8Array {
  return extensionDer(OID.subjectAltName, critical, generalNamesDer);
}

/** The extnValue contents of the first extension with this OID. */
export function findExtensionValue(extensions: pkijs.Extension[] | undefined, extnID: string): Uint8Array | undefined {
  const found = extensions?.find((e) => e.extnID === extnID);
  return found ? toBytes(found.extnValue.valueBlock.valueHexView) : undefined;
}

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always Zulu, whole seconds
// (§4.1.2.5.1/§4.1.2.5.2 forbid fractional seconds).
const GENERALIZED_FROM = Date.UTC(2050, 0, 1);

export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function timeDer(date: Date): Uint8Array {
  const iso = wholeSeconds(date).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ""); // YYYYMMDDHHMMSS
  if (date.getTime() >= GENERALIZED_FROM) return tlv(TAG.GENERALIZED_TIME, utf8(`${digits}Z`));
  return tlv(TAG.UTC_TIME, utf8(`${digits.slice(2)}Z`));
}
