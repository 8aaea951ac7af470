// X.501 Name (RFC 5280 §4.1.2.4) read strictly from raw DER and written back byte for byte, so an
// issued subject is rebuilt from checked values rather than copied from the request (design rule 7).
import { concatBytes } from "../util/bytes";
import { content, DerError, derSetOf, TAG, tlv } from "../asn1/der";
import { encodeOid, readOid } from "../asn1/oid";
import { readChildren, readStrict } from "../asn1/strict";
import { decodeString, encodeString, STRING_TAG } from "../asn1/strings";
import { asNameError, clip, NameError } from "./name-error";
import { emailProblem } from "./name-syntax";

export { NameError } from "./name-error";

export interface NameAttribute {
  /** Dotted OID of the attribute type. */
  type: string;
  /** Universal tag of the string type the value was (or is to be) encoded with. */
  tag: number;
  value: string;
}
export type RelativeName = NameAttribute[];

/** The subjects tools and the client library write: one attribute per RDN. */
export interface SimpleName {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  /** Two-letter ISO 3166 code; a PrintableString (RFC 5280 Appendix A). */
  country?: string;
}

/** RDNs in the order C, O, OU, CN, values as UTF8String (RFC 5280 §4.1.2.6), C as PrintableString. */
export function simpleName(name: SimpleName): RelativeName[] {
  const rdns: RelativeName[] = [];
  if (name.country) rdns.push([{ type: "2.5.4.6", tag: STRING_TAG.PRINTABLE, value: name.country }]);
  if (name.organization) rdns.push([{ type: "2.5.4.10", tag: STRING_TAG.UTF8, value: name.organization }]);
  if (name.organizationalUnit) rdns.push([{ type: "2.5.4.11", tag: STRING_TAG.UTF8, value: name.organizationalUnit }]);
  rdns.push([{ type: "2.5.4.3", tag: STRING_TAG.UTF8, value: name.commonName }]);
  return rdns;
}

/** RDNs in a Name (RFC 5280 sets no bound; real subjects have a handful). */
export const MAX_RDNS = 16;
const MAX_ATTRIBUTES_PER_RDN = 4;
const MAX_NAME_OCTETS = 16_384; // 16 RDNs × 4 values × 256 characters fit well inside

const OID_EMAIL = "1.2.840.113549.1.9.1";
const OID_DC = "0.9.2342.19200300.100.1.25";

interface AttributeRule {
  short?: string;
  /** Value string types allowed instead of DirectoryString (RFC 5280 Appendix A). */
  only?: number;
  /** IA5String allowed besides DirectoryString (RFC 2985 §5.4.2 PKCS9String; Cisco IOS sends it). */
  ia5Too?: true;
}

const P = STRING_TAG.PRINTABLE;
const RULES: Record<string, AttributeRule> = {
  "2.5.4.3": { short: "CN" },
  "2.5.4.4": { short: "SN" },
  "2.5.4.5": { short: "serialNumber", only: P }, // X520SerialNumber ::= PrintableString
  "2.5.4.6": { short: "C", only: P }, // X520countryName ::= PrintableString (SIZE (2))
  "2.5.4.7": { short: "L" },
  "2.5.4.8": { short: "ST" },
  "2.5.4.9": { short: "STREET" },
  "2.5.4.10": { short: "O" },
  "2.5.4.11": { short: "OU" },
  "2.5.4.12": { short: "title" },
  "2.5.4.42": { short: "GN" },
  "2.5.4.46": { only: P }, // X520dnQualifier ::= PrintableString
  "0.9.2342.19200300.100.1.1": { short: "UID" },
  [OID_DC]: { short: "DC", only: STRING_TAG.IA5 }, // RFC 5280 Appendix A, RFC 4519 §2.4
  [OID_EMAIL]: { short: "emailAddress", only: STRING_TAG.IA5 }, // EmailAddress ::= IA5String
  "1.2.840.113549.1.9.2": { ia5Too: true }, // unstructuredName
};

const DIRECTORY_STRING = new Set<number>([STRING_TAG.PRINTABLE, STRING_TAG.UTF8, STRING_TAG.TELETEX, STRING_TAG.UNIVERSAL, STRING_TAG.BMP]);

function label(type: string): string {
  return RULES[type]?.short ?? type;
}

/** The per-attribute rules of RFC 5280 §4.1.2.4 and Appendix A; `value` already passed decodeString/checkString. */
function checkAttribute(type: string, tag: number, value: string): void {
  const rule = RULES[type];
  const name = label(type);
  if (rule?.only !== undefined) {
    if (tag !== rule.only) throw new NameError(`${name} must be ${rule.only === P ? "a PrintableString" : "an IA5String"}`);
  } else if (!DIRECTORY_STRING.has(tag) && !(rule?.ia5Too && tag === STRING_TAG.IA5)) {
    throw new NameError(`${name} must be a DirectoryString (Printable, UTF8, Teletex, Universal or BMP string)`);
  }
  if (type === "2.5.4.6" && !/^[A-Z]{2}$/.test(value)) throw new NameError(`C must be two letters A-Z, not ${clip(value, 8)}`);
  if (type === OID_EMAIL) {
    const problem = emailProblem(value);
    if (problem) throw new NameError(`emailAddress ${clip(value)} ${problem}`);
  }
}

/**
 * The string type a value is kept as. Apple's Security framework writes an ASCII value with a
 * character PrintableString lacks ("@", "_", "&") as an IA5String, whatever the attribute
 * (SecCertificateRequest.c, make_nss_atv): "CN=user@contoso.com" from an iOS or macOS Intune profile.
 * For the known DirectoryString attributes such a value is read as text and re-encoded as
 * UTF8String, which RFC 5280 §4.1.2.6 asks certificates to use; an attribute of unknown syntax keeps
 * the rule that refuses it.
 */
function readTag(type: string, tag: number): number {
  const rule = RULES[type];
  return tag === STRING_TAG.IA5 && rule && rule.only === undefined && !rule.ia5Too ? STRING_TAG.UTF8 : tag;
}

/** Prefixes a refusal with where it happened ("RDN 2: CN: …"), once. */
function withContext<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if ((e instanceof NameError || e instanceof DerError) && !e.message.startsWith(where))
      throw new NameError(`${where}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Name ::= SEQUENCE OF RelativeDistinguishedName; RDN ::= SET SIZE (1..MAX) OF
 * AttributeTypeAndValue (X.501 §9). Exactly one DER value, nothing after it.
 */
export function parseName(der: Uint8Array): RelativeName[] {
  return asNameError(() => readName(der));
}

function readName(der: Uint8Array): RelativeName[] {
  if (der.length > MAX_NAME_OCTETS) throw new NameError(`the Name is longer than ${MAX_NAME_OCTETS} bytes`);
  const outer = readStrict(der, 0, der.length, "Name");
  if (outer.tag !== TAG.SEQUENCE) throw new NameError("a Name must be a SEQUENCE");
  if (outer.end !== der.length) throw new NameError("trailing bytes after the Name");
  const rdnTlvs = readChildren(der, outer, MAX_RDNS, "Name", `a Name with more than ${MAX_RDNS} RDNs`);
  return rdnTlvs.map((rdnTlv, i) =>
    withContext(`RDN ${i + 1}`, () => {
      if (rdnTlv.tag === TAG.SEQUENCE) throw new NameError("a SEQUENCE where a SET belongs");
      if (rdnTlv.tag !== TAG.SET) throw new NameError("expected a SET");
      const atvs = readChildren(der, rdnTlv, MAX_ATTRIBUTES_PER_RDN, "RDN", `more than ${MAX_ATTRIBUTES_PER_RDN} attributes in one RDN`);
      if (atvs.length === 0) throw new NameError("an empty SET");
      const rdn = atvs.map((atv) => {
        if (atv.tag !== TAG.SEQUENCE) throw new NameError("an attribute must be a SEQUENCE");
        const parts = readChildren(der, atv, 2, "attribute", "an attribute with more than a type and a value");
        const [typeTlv, valueTlv] = parts;
        if (typeTlv?.tag !== TAG.OID || !valueTlv) throw new NameError("an attribute must be { OBJECT IDENTIFIER, value }");
        const type = readOid(content(der, typeTlv), "attribute type");
        return withContext(label(type), () => {
          const value = decodeString(valueTlv.tag, content(der, valueTlv));
          const tag = readTag(type, valueTlv.tag);
          checkAttribute(type, tag, value);
          return { type, tag, value };
        });
      });
      checkDistinctValues(rdn);
      return rdn;
    }),
  );
}

/**
 * The same type and value twice in one RDN says nothing a single copy does not, and sameName could
 * not tell the sets apart; the same type with different values is allowed (OpenSSL writes
 * "OU=A+OU=B"; [MS-ADTS] §3.1.1.3.1.2.3 notes the RDN grammar permits it).
 */
function checkDistinctValues(rdn: RelativeName): void {
  const seen = new Set(rdn.map((a) => `${a.type}=${a.value}`));
  if (seen.size !== rdn.length) throw new NameError("the same attribute and value twice in one RDN");
}

/** DER of a Name; each RDN's SET OF sorted (X.690 §11.6). Validates like parseName. */
export function encodeName(rdns: RelativeName[]): Uint8Array {
  return asNameError(() => writeName(rdns));
}

function writeName(rdns: RelativeName[]): Uint8Array {
  if (rdns.length > MAX_RDNS) throw new NameError(`a Name with more than ${MAX_RDNS} RDNs`);
  const encoded = rdns.map((rdn, i) =>
    withContext(`RDN ${i + 1}`, () => {
      if (rdn.length === 0) throw new NameError("an empty SET");
      if (rdn.length > MAX_ATTRIBUTES_PER_RDN) throw new NameError(`more than ${MAX_ATTRIBUTES_PER_RDN} attributes in one RDN`);
      checkDistinctValues(rdn);
      return derSetOf(
        rdn.map((a) =>
          withContext(label(a.type), () => {
            const value = encodeString(a.tag, a.value);
            checkAttribute(a.type, a.tag, a.value);
            return tlv(TAG.SEQUENCE, encodeOid(a.type), value);
          }),
        ),
      );
    }),
  );
  const der = tlv(TAG.SEQUENCE, concatBytes(...encoded));
  if (der.length > MAX_NAME_OCTETS) throw new NameError(`the Name is longer than ${MAX_NAME_OCTETS} bytes`);
  return der;
}

/** RFC 4514 §2.4 escaping of one attribute value. */
function escapeValue(value: string): string {
  const chars = Array.from(value);
  return chars
    .map((c, i) => {
      const code = c.codePointAt(0)!;
      const edge = (i === 0 && (c === " " || c === "#")) || (i === chars.length - 1 && c === " ");
      if (edge || '"+,;<>\\'.includes(c)) return `\\${c}`;
      if (code >= 0x20 && (code < 0x7f || code > 0x9f)) return c;
      return Array.from(new TextEncoder().encode(c), (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
    })
    .join("");
}

/**
 * RFC 4514 string: RDNs last to first, '+' inside a multi-valued RDN, unknown types as dotted OIDs.
 * RFC 4514 leaves the order inside an RDN open; like OpenSSL's -nameopt RFC2253 (which reverses
 * every attribute), the attributes of an RDN are listed last to first too, so operators see the same text.
 */
export function nameToText(rdns: RelativeName[]): string {
  return rdns
    .map((rdn) =>
      rdn
        .map((a) => `${label(a.type)}=${escapeValue(a.value)}`)
        .reverse()
        .join("+"),
    )
    .reverse()
    .join(",");
}

/**
 * RFC 4514 text of a Name's DER for logs and notifications; never throws: a Name that does not
 * parse strictly renders as '#' and its hex (RFC 4514 §2.4's form for unrenderable values).
 */
export function nameDerToText(der: Uint8Array): string {
  try {
    return nameToText(parseName(der));
  } catch (e) {
    if (e instanceof NameError) return `#${Array.from(der, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    throw e;
  }
}

/**
 * Whether two Names identify the same subject: same RDNs in the same order, each RDN the same set
 * of (type, value). The string type is ignored (RFC 5280 §7.1 compares after conversion to Unicode),
 * so a renewal re-encoded from PrintableString to UTF8String still matches; no case folding.
 */
export function sameName(a: RelativeName[], b: RelativeName[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((rdnA, i) => {
    const rdnB = b[i]!;
    if (rdnA.length !== rdnB.length) return false;
    return rdnA.every((x) => rdnB.some((y) => y.type === x.type && y.value === x.value));
  });
}
