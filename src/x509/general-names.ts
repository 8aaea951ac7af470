// GeneralNames (RFC 5280 §4.2.1.6) read strictly from raw DER, written back byte for byte, and
// rendered for the ledger ("upn:alice@corp.example" rather than an opaque "type0").
import { concatBytes } from "../util/bytes";
import { content, DerError, slice, TAG, tlv, type Tlv } from "../asn1/der";
import { encodeOid, oidOctets, readOid } from "../asn1/oid";
import { readChildren, readStrict } from "../asn1/strict";
import { decodeString, encodeString, STRING_TAG, stringOctets } from "../asn1/strings";
import { asNameError, clip, NameError } from "./name-error";
import { encodeName, nameToText, parseName, type RelativeName } from "./name";
import { dnsNameProblem, domainOf, emailProblem, ipText, isWildcardDns, upnProblem, uriProblem } from "./name-syntax";
import { isSidUri, SID_URI_PREFIX } from "./sid-extension";

export { isSidUri } from "./sid-extension";

export type GeneralName =
  | { type: "dns"; value: string; wildcard?: true }
  | { type: "email"; value: string }
  | { type: "upn"; value: string }
  | { type: "uri"; value: string }
  | { type: "ip"; value: string; octets: Uint8Array }
  | { type: "directory"; name: RelativeName[] }
  | { type: "registeredId"; value: string }
  /** An otherName other than UPN: only its type-id is kept, so a policy can refuse it by name. */
  | { type: "otherName"; typeId: string };

const UPN_OID = "1.3.6.1.4.1.311.20.2.3"; // szOID_NT_PRINCIPAL_NAME, [MS-WCCE] §2.2.2.7.5
const MAX_GENERAL_NAMES = 32;
const MAX_GENERAL_NAMES_OCTETS = 32_768;

// Context tags of the GeneralName CHOICE (RFC 5280 §4.2.1.6; IMPLICIT, except the CHOICE-typed Name).
const T = { otherName: 0xa0, rfc822: 0x81, dns: 0x82, x400: 0xa3, directory: 0xa4, edi: 0xa5, uri: 0x86, ip: 0x87, rid: 0x88 } as const;

const UPN_OID_DER = encodeOid(UPN_OID);

export function isWildcard(n: GeneralName): boolean {
  return n.type === "dns" && n.wildcard === true;
}

/** Checks the text of an IA5 or UPN name, returning the GeneralName it makes. */
function checkText(type: "dns" | "email" | "upn" | "uri", value: string): GeneralName {
  const problem =
    type === "dns" ? dnsNameProblem(value, true) : type === "email" ? emailProblem(value) : type === "upn" ? upnProblem(value) : uriProblem(value);
  if (problem) throw new NameError(`${type} name ${clip(value)} ${problem}`);
  // A URI claiming the Microsoft SID form must carry a well-formed SID (KB5014754), never a near miss.
  if (type === "uri" && value.toLowerCase().startsWith(SID_URI_PREFIX) && !isSidUri(value)) {
    throw new NameError(`uri name ${clip(value)} looks like a Microsoft SID URI but is not exactly ${SID_URI_PREFIX}<SID>`);
  }
  if (type === "dns" && isWildcardDns(value)) return { type, value, wildcard: true };
  return { type, value };
}

function parseOne(der: Uint8Array, t: Tlv): GeneralName {
  switch (t.tag) {
    case T.rfc822:
    case T.dns:
    case T.uri: {
      const type = t.tag === T.rfc822 ? "email" : t.tag === T.dns ? "dns" : "uri";
      return checkText(type, decodeString(STRING_TAG.IA5, content(der, t)));
    }
    case T.ip: {
      const octets = content(der, t);
      if (octets.length !== 4 && octets.length !== 16) throw new NameError("iPAddress must be 4 or 16 octets");
      return { type: "ip", value: ipText(octets), octets: octets.slice() };
    }
    case T.otherName: {
      const [typeId, wrapper] = readChildren(der, t, 2, "otherName", "otherName has extra fields");
      if (typeId?.tag !== TAG.OID || wrapper?.tag !== 0xa0) throw new NameError("otherName must be { OBJECT IDENTIFIER, [0] value }");
      const [value] = readChildren(der, wrapper, 1, "otherName", "otherName has more than one value");
      if (!value) throw new NameError("otherName has no value");
      const oid = readOid(content(der, typeId), "otherName type-id");
      if (oid !== UPN_OID) return { type: "otherName", typeId: oid };
      if (value.tag !== STRING_TAG.UTF8) throw new NameError("a UPN must be a UTF8String");
      return checkText("upn", decodeString(STRING_TAG.UTF8, content(der, value)));
    }
    case T.directory: {
      const [name] = readChildren(der, t, 1, "directoryName", "directoryName holds more than one Name");
      if (!name) throw new NameError("directoryName is empty");
      const rdns = parseName(slice(der, name));
      if (rdns.length === 0) throw new NameError("directoryName is an empty Name");
      return { type: "directory", name: rdns };
    }
    case T.rid:
      return { type: "registeredId", value: readOid(content(der, t), "registeredID") };
    case T.x400:
      throw new NameError("x400Address names are not supported");
    case T.edi:
      throw new NameError("ediPartyName names are not supported");
    default:
      throw new NameError(`not a GeneralName (tag 0x${t.tag.toString(16).padStart(2, "0")})`);
  }
}

/** The identity a name stands for: DNS names and mail domains compare case-insensitively (RFC 4343). */
function canonicalKey(n: GeneralName): string {
  switch (n.type) {
    case "dns":
      return `dns:${n.value.toLowerCase()}`;
    case "email":
    case "upn": {
      const domain = domainOf(n.value);
      return `${n.type}:${n.value.slice(0, n.value.length - domain.length)}${domain.toLowerCase()}`;
    }
    case "otherName":
      return `othername:${n.typeId}`;
    default:
      return generalNameText(n);
  }
}

function checkList(names: GeneralName[]): void {
  if (names.length === 0) throw new NameError("GeneralNames must not be empty");
  if (names.length > MAX_GENERAL_NAMES) throw new NameError(`more than ${MAX_GENERAL_NAMES} names`);
  const seen = new Set<string>();
  for (const n of names) {
    const key = canonicalKey(n);
    if (seen.has(key)) throw new NameError(`duplicate name ${clip(generalNameText(n))}`);
    seen.add(key);
  }
}

/** GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName, exactly one DER value, at most 32 names. */
export function parseGeneralNames(der: Uint8Array): GeneralName[] {
  return asNameError(() => readGeneralNames(der));
}

function readGeneralNames(der: Uint8Array): GeneralName[] {
  if (der.length > MAX_GENERAL_NAMES_OCTETS) throw new NameError(`longer than ${MAX_GENERAL_NAMES_OCTETS} bytes`);
  const outer = readStrict(der, 0, der.length, "GeneralNames");
  if (outer.tag !== TAG.SEQUENCE) throw new NameError("GeneralNames must be a SEQUENCE");
  if (outer.end !== der.length) throw new NameError("trailing bytes after GeneralNames");
  const items = readChildren(der, outer, MAX_GENERAL_NAMES, "GeneralNames", `more than ${MAX_GENERAL_NAMES} names`);
  const names = items.map((t, i) => {
    try {
      return parseOne(der, t);
    } catch (e) {
      if (e instanceof NameError || e instanceof DerError) throw new NameError(`name ${i + 1}: ${e.message}`, { cause: e });
      throw e;
    }
  });
  checkList(names);
  return names;
}

function encodeOne(n: GeneralName): Uint8Array {
  const ia5 = (tag: number, value: string) => {
    checkText(n.type as "dns" | "email" | "uri", value);
    return tlv(tag, stringOctets(STRING_TAG.IA5, value));
  };
  switch (n.type) {
    case "dns":
      return ia5(T.dns, n.value);
    case "email":
      return ia5(T.rfc822, n.value);
    case "uri":
      return ia5(T.uri, n.value);
    case "upn":
      checkText("upn", n.value);
      return tlv(T.otherName, UPN_OID_DER, tlv(0xa0, encodeString(STRING_TAG.UTF8, n.value)));
    case "ip":
      if (n.octets.length !== 4 && n.octets.length !== 16) throw new NameError("iPAddress must be 4 or 16 octets");
      if (n.value !== ipText(n.octets)) throw new NameError("iPAddress text does not match its octets");
      return tlv(T.ip, n.octets);
    case "directory":
      if (n.name.length === 0) throw new NameError("directoryName is an empty Name");
      return tlv(T.directory, encodeName(n.name));
    case "registeredId":
      return tlv(T.rid, oidOctets(n.value));
    case "otherName":
      // Rule 7: only UPN values are kept and re-encoded; any other otherName is never issued.
      throw new NameError(`otherName ${clip(n.typeId)} cannot be encoded`);
  }
}

/** DER GeneralNames; for names from parseGeneralNames of DER input, the same bytes. */
export function encodeGeneralNames(names: GeneralName[]): Uint8Array {
  return asNameError(() => {
    checkList(names);
    return tlv(TAG.SEQUENCE, concatBytes(...names.map(encodeOne)));
  });
}

/** "dns:host.example", "upn:alice@corp.example", "ip:2001:db8::1", "dirname:CN=x", "rid:1.2.3", "othername:1.2.3". */
export function generalNameText(n: GeneralName): string {
  switch (n.type) {
    case "directory":
      return `dirname:${nameToText(n.name)}`;
    case "registeredId":
      return `rid:${n.value}`;
    case "otherName":
      return `othername:${n.typeId}`;
    default:
      return `${n.type}:${n.value}`;
  }
}

export function generalNamesText(names: readonly GeneralName[]): string {
  return names.map(generalNameText).join(", ");
}

/** Set equality by identity (DNS names and mail domains case-insensitively). */
export function sameGeneralNames(a: readonly GeneralName[], b: readonly GeneralName[]): boolean {
  const keysA = new Set(a.map(canonicalKey));
  const keysB = new Set(b.map(canonicalKey));
  return keysA.size === keysB.size && [...keysA].every((k) => keysB.has(k));
}

/** canonicalKey for callers that diff name sets (renewal checks). */
export { canonicalKey as generalNameKey };
