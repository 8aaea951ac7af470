// Distinguished-name helpers: building simple Names and rendering them for logs.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { bytesToHex, toBytes } from "../util/bytes";

/** Short names of RFC 4514 §3 plus the attributes SCEP clients commonly put in subjects. */
const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "STREET",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

/** RFC 4514 §2.4 escaping of an attribute value string. */
function escapeValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f]/g, (c) => {
    return `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
  if (out.startsWith("#") || out.startsWith(" ")) out = `\\${out}`;
  if (out.endsWith(" ") && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

function renderValue(value: asn1js.AsnType): string {
  if (value instanceof asn1js.BaseStringBlock) return escapeValue(value.getValue());
  // RFC 4514 §2.4: values of non-string types are written as '#' + hex of their BER encoding.
  return `#${bytesToHex(toBytes(value.toBER()))}`;
}

/**
 * RFC 4514 string of a DER Name, for logs ("CN=x,O=y"): RDNs last-to-first, multi-valued RDNs
 * joined with '+'. Never throws: unreadable input renders as a hex blob.
 */
export function nameToText(nameDer: Uint8Array): string {
  const parsed = asn1js.fromBER(nameDer);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) return `#${bytesToHex(nameDer)}`;
  const rdns: string[] = [];
  for (const rdn of parsed.result.valueBlock.value) {
    if (!(rdn instanceof asn1js.Set)) continue;
    const parts: string[] = [];
    for (const atv of rdn.valueBlock.value) {
      if (!(atv instanceof asn1js.Sequence)) continue;
      const [type, value] = atv.valueBlock.value;
      if (!(type instanceof asn1js.ObjectIdentifier) || !value) continue;
      const oid = type.valueBlock.toString();
      parts.push(`${SHORT_NAMES[oid] ?? oid}=${renderValue(value)}`);
    }
    rdns.push(parts.join("+"));
  }
  return rdns.reverse().join(",");
}

export interface SimpleName {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  /** Two-letter ISO 3166 code; encoded as PrintableString (RFC 5280 §4.1.2.4 / X.520). */
  country?: string;
}

/**
 * A Name with one attribute per RDN, in the order C, O, OU, CN (UTF8String, RFC 5280 §4.1.2.6).
 * Encoded here rather than through pkijs, whose RelativeDistinguishedNames.toSchema() puts every
 * attribute into one multi-valued RDN ("O=x + CN=y").
 */
export function buildNameDer(name: SimpleName): Uint8Array {
  const rdns: asn1js.Set[] = [];
  const add = (type: string, value: asn1js.AsnType) => {
    const atv = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: type }), value] });
    rdns.push(new asn1js.Set({ value: [atv] }));
  };
  if (name.country) add("2.5.4.6", new asn1js.PrintableString({ value: name.country }));
  if (name.organization) add("2.5.4.10", new asn1js.Utf8String({ value: name.organization }));
  if (name.organizationalUnit) add("2.5.4.11", new asn1js.Utf8String({ value: name.organizationalUnit }));
  add("2.5.4.3", new asn1js.Utf8String({ value: name.commonName }));
  return new Uint8Array(new asn1js.Sequence({ value: rdns }).toBER());
}

/** Wraps exact DER Name bytes so pkijs re-emits them unchanged (it reuses valueBeforeDecode). */
export function nameFromDer(nameDer: Uint8Array): pkijs.RelativeDistinguishedNames {
  const parsed = asn1js.fromBER(nameDer);
  if (parsed.offset === -1) throw new Error("not a DER Name");
  return new pkijs.RelativeDistinguishedNames({ schema: parsed.result });
}
