// Certificate profile pieces: X.509 v3 extensions (RFC 5280 §4.2) and validity encoding.
// Extension values are small and fixed, so they are encoded directly with asn1js.
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { OID } from "../scep/oids";
import { toArrayBuffer, toBytes } from "../util/bytes";

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

function ext(extnID: string, critical: boolean, value: asn1js.AsnType | Uint8Array): pkijs.Extension {
  const der = value instanceof Uint8Array ? toArrayBuffer(value) : value.toBER();
  return new pkijs.Extension({ extnID, critical, extnValue: der });
}

/** KeyUsage as a DER BIT STRING with trailing zero bits dropped (X.690 §11.2.2), critical. */
export function keyUsageExtension(usages: KeyUsageName[]): pkijs.Extension {
  let bits = 0;
  let highest = 0;
  for (const u of usages) {
    const bit = KeyUsageBit[u];
    bits |= 0x80 >> bit;
    highest = Math.max(highest, bit);
  }
  const unused = 7 - highest;
  // BIT STRING: tag 03, length 02, unused-bit count, one byte of bits (bits 0..6 fit one byte).
  return ext(OID.keyUsage, true, new Uint8Array([0x03, 0x02, unused, bits]));
}

export function extKeyUsageExtension(purposes: string[]): pkijs.Extension {
  const seq = new asn1js.Sequence({ value: purposes.map((p) => new asn1js.ObjectIdentifier({ value: p })) });
  return ext(OID.extKeyUsage, false, seq);
}

/** basicConstraints, critical (RFC 5280 §4.2.1.9). cA FALSE is the DEFAULT, so it encodes as an empty SEQUENCE. */
export function basicConstraintsExtension(ca: boolean, pathLength?: number): pkijs.Extension {
  const value: asn1js.AsnType[] = [];
  if (ca) value.push(new asn1js.Boolean({ value: true }));
  if (ca && pathLength !== undefined) value.push(new asn1js.Integer({ value: pathLength }));
  return ext(OID.basicConstraints, true, new asn1js.Sequence({ value }));
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the BIT STRING subjectPublicKey (without tag, length, unused bits). */
export function keyIdentifierOfSpki(spkiDer: Uint8Array): Uint8Array {
  const spki = pkijs.PublicKeyInfo.fromBER(spkiDer);
  const keyBits = spki.subjectPublicKey.valueBlock.valueHexView;
  return new Uint8Array(createHash("sha1").update(keyBits).digest());
}

export function subjectKeyIdentifierExtension(keyId: Uint8Array): pkijs.Extension {
  return ext(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: toArrayBuffer(keyId) }));
}

/** AuthorityKeyIdentifier with keyIdentifier [0] only (RFC 5280 §4.2.1.1). */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): pkijs.Extension {
  const keyIdentifier = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: toArrayBuffer(keyId) });
  return ext(OID.authorityKeyIdentifier, false, new asn1js.Sequence({ value: [keyIdentifier] }));
}

/** GeneralName uniformResourceIdentifier [6] IA5String, implicitly tagged. */
function uriName(url: string): asn1js.Primitive {
  return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 6 }, valueHex: toArrayBuffer(new TextEncoder().encode(url)) });
}

/** cRLDistributionPoints with one DistributionPoint { distributionPoint [0] { fullName [0] { URI } } } (§4.2.1.13). */
export function crlDistributionPointsExtension(url: string): pkijs.Extension {
  const fullName = new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [uriName(url)] });
  const dpName = new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [fullName] });
  return ext(OID.crlDistributionPoints, false, new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [dpName] })] }));
}

/** authorityInfoAccess with one caIssuers AccessDescription (§4.2.2.1). */
export function caIssuersExtension(url: string): pkijs.Extension {
  const desc = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.caIssuers }), uriName(url)] });
  return ext(OID.authorityInfoAccess, false, new asn1js.Sequence({ value: [desc] }));
}

/** A subjectAltName extension carrying the requested GeneralNames bytes verbatim. */
export function subjectAltNameExtension(generalNamesDer: Uint8Array, critical: boolean): pkijs.Extension {
  return ext(OID.subjectAltName, critical, generalNamesDer);
}

/** The first extension with this OID in a list, and its extnValue contents. */
export function findExtensionValue(extensions: pkijs.Extension[] | undefined, oid: string): Uint8Array | undefined {
  const found = extensions?.find((e) => e.extnID === oid);
  return found ? toBytes(found.extnValue.valueBlock.valueHexView) : undefined;
}

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds only
// (§4.1.2.5.2 forbids fractional seconds, which asn1js would emit for non-zero milliseconds).
const GENERALIZED_FROM = Date.UTC(2050, 0, 1);

export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function x509Time(date: Date): pkijs.Time {
  const value = wholeSeconds(date);
  const type = value.getTime() >= GENERALIZED_FROM ? pkijs.TimeType.GeneralizedTime : pkijs.TimeType.UTCTime;
  return new pkijs.Time({ type, value });
}
