// Microsoft's "strong certificate mapping" (KB5014754): the objectSid of the account a certificate
// is for, either in the NTDS CA security extension or as a SAN URI. Domain controllers map such a
// certificate to that account, so a SID must never be taken from a request unchecked.
//
// Structure, [MS-WCCE] §2.2.2.7.7.4 szOID_NTDS_CA_SECURITY_EXT (OID 1.3.6.1.4.1.311.25.2): an
// OtherName { type-id szOID_NTDS_OBJECTSID (1.3.6.1.4.1.311.25.2.1), value OCTET STRING (the SID
// as ASCII text) } inside a SEQUENCE, on the wire
//   SEQUENCE { [0] { OID 1.3.6.1.4.1.311.25.2.1, [0] { OCTET STRING "S-1-5-21-…" } } }
// which is what Windows CAs emit and what public encoders build, e.g. PKISolutions' PSPKI
// X509NtdsSecurityExtension (AddExplicit(0, { OID, AddExplicit(0, OctetString) })) and
// PSCertificateEnrollment's New-SidExtension.ps1 (30 / A0 / 06 0A 2B0601040182371902 01 / A0 / 04).
import { content, TAG, tlv } from "../asn1/der";
import { encodeOid, readOid } from "../asn1/oid";
import { readChildren, readStrict } from "../asn1/strict";
import { asNameError, NameError } from "./name-error";

export const SID_EXTENSION_OID = "1.3.6.1.4.1.311.25.2";
const SID_OTHERNAME_OID = "1.3.6.1.4.1.311.25.2.1";
/** The SAN URI form, KB5014754 "SAN URL" mapping. */
export const SID_URI_PREFIX = "tag:microsoft.com,2022-09-14:sid:";

const MAX_SID_LENGTH = 184; // S-1- + a 48-bit authority + 15 sub-authorities of 10 digits
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * SID string syntax ([MS-DTYP] §2.4.2.1): S-1-<IdentifierAuthority>(-<SubAuthority>){1,15},
 * the authority decimal below 2^32 or 0x + 12 hex digits, each sub-authority a 32-bit decimal.
 * Leading zeros are refused: the text is compared as is when a renewal keeps its SID.
 */
export function isSid(text: string): boolean {
  if (text.length > MAX_SID_LENGTH) return false;
  const parts = text.split("-");
  if (parts.length < 4 || parts.length > 18 || parts[0] !== "S" || parts[1] !== "1") return false;
  const authority = parts[2]!;
  const authorityOk = /^0x[0-9A-Fa-f]{12}$/.test(authority) || (DECIMAL.test(authority) && Number(authority) < 2 ** 32);
  return authorityOk && parts.slice(3).every((s) => DECIMAL.test(s) && Number(s) <= 0xffffffff);
}

export function isSidUri(value: string): boolean {
  return value.startsWith(SID_URI_PREFIX) && isSid(value.slice(SID_URI_PREFIX.length));
}

const SID_OTHERNAME_OID_DER = encodeOid(SID_OTHERNAME_OID);

/** The SID carried in the extnValue of a szOID_NTDS_CA_SECURITY_EXT extension; NameError when malformed. */
export function parseSidExtension(extnValue: Uint8Array): string {
  return asNameError(() => readSidExtension(extnValue));
}

function readSidExtension(extnValue: Uint8Array): string {
  const what = "SID extension";
  const outer = readStrict(extnValue, 0, extnValue.length, what);
  if (outer.tag !== TAG.SEQUENCE || outer.end !== extnValue.length) throw new NameError(`${what}: expected exactly one SEQUENCE`);
  const [otherName] = readChildren(extnValue, outer, 1, what, `${what}: more than one entry`);
  if (otherName?.tag !== 0xa0) throw new NameError(`${what}: expected one [0] OtherName`);
  const [typeId, wrapper] = readChildren(extnValue, otherName, 2, what, `${what}: unexpected fields`);
  if (typeId?.tag !== TAG.OID || wrapper?.tag !== 0xa0) throw new NameError(`${what}: expected { OBJECT IDENTIFIER, [0] value }`);
  // readOid refuses non-minimal encodings, so equal text means equal octets.
  if (readOid(content(extnValue, typeId), what) !== SID_OTHERNAME_OID) throw new NameError(`${what}: type-id is not szOID_NTDS_OBJECTSID`);
  const [octets] = readChildren(extnValue, wrapper, 1, what, `${what}: more than one value`);
  if (octets?.tag !== TAG.OCTET_STRING) throw new NameError(`${what}: the SID must be an OCTET STRING`);
  const body = content(extnValue, octets);
  if (body.length > MAX_SID_LENGTH) throw new NameError(`${what}: the SID is too long`);
  const sid = String.fromCharCode(...body);
  if (!isSid(sid)) throw new NameError(`${what}: not a SID (S-1-<authority>-<sub-authorities>)`);
  return sid;
}

/** extnValue of a szOID_NTDS_CA_SECURITY_EXT extension (non-critical, [MS-WCCE] §2.2.2.7.7.4) for this SID. */
export function encodeSidExtension(sid: string): Uint8Array {
  if (!isSid(sid)) throw new NameError("not a SID (S-1-<authority>-<sub-authorities>)");
  const sidOctets = tlv(
    TAG.OCTET_STRING,
    Uint8Array.from(sid, (c) => c.charCodeAt(0)),
  );
  return tlv(TAG.SEQUENCE, tlv(0xa0, SID_OTHERNAME_OID_DER, tlv(0xa0, sidOctets)));
}
