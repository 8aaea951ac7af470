// Distinguished names typed by an admin: RFC 4514 strings ("CN=dev-1,O=Acme", last RDN first) and
// OpenSSL's forms ("C=US, O=Acme, CN=dev-1" or "/C=US/O=Acme/CN=dev-1", first RDN first). Which
// order a comma list is in cannot be known in general; the common name decides: it is the last
// RDN of a device name, so a list that starts with CN is RFC 4514 order.
import type { NameAttribute, RelativeName } from "./name";

export class NameTextError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NameTextError";
  }
}

const TYPES: Readonly<Record<string, string>> = {
  cn: "2.5.4.3",
  sn: "2.5.4.4",
  serialnumber: "2.5.4.5",
  c: "2.5.4.6",
  l: "2.5.4.7",
  st: "2.5.4.8",
  street: "2.5.4.9",
  o: "2.5.4.10",
  ou: "2.5.4.11",
  title: "2.5.4.12",
  gn: "2.5.4.42",
  uid: "0.9.2342.19200300.100.1.1",
  dc: "0.9.2342.19200300.100.1.25",
  emailaddress: "1.2.840.113549.1.9.1",
  e: "1.2.840.113549.1.9.1",
};
const CN = "2.5.4.3";
// RFC 5280 Appendix A: countryName and serialNumber are PrintableString; emailAddress and DC are IA5String.
const TAG_BY_TYPE: Readonly<Record<string, number>> = {
  "2.5.4.6": 0x13,
  "2.5.4.5": 0x13,
  "1.2.840.113549.1.9.1": 0x16,
  "0.9.2342.19200300.100.1.25": 0x16,
};
const UTF8_STRING = 0x0c;

/** RDNs in DER order (first = most significant). Throws NameTextError with a reason. */
export function parseNameText(input: string): RelativeName[] {
  const text = input.trim();
  if (text === "") throw new NameTextError("empty name");
  if (text.length > 1024) throw new NameTextError("name too long");
  const slashForm = text.startsWith("/");
  const rdns = split(slashForm ? text.slice(1) : text, slashForm ? "/" : ",;").map((rdn) => split(rdn, "+").map(attribute));
  if (slashForm) return rdns;
  const cnFirst = rdns[0]!.some((a) => a.type === CN);
  const cnLast = rdns[rdns.length - 1]!.some((a) => a.type === CN);
  return cnLast && !cnFirst ? rdns : rdns.reverse();
}

function attribute(text: string): NameAttribute {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new NameTextError("expected type=value pairs, e.g. CN=device-1,O=Acme");
  const key = text.slice(0, eq).trim();
  const type = TYPES[key.toLowerCase()] ?? (/^\d+(\.\d+)+$/.test(key) ? key : undefined);
  if (!type) throw new NameTextError(`unknown attribute type "${key.slice(0, 24)}"`);
  const value = unescapeValue(text.slice(eq + 1).trim());
  if (value === "") throw new NameTextError(`empty value for ${key.slice(0, 24)}`);
  return { type, tag: TAG_BY_TYPE[type] ?? UTF8_STRING, value };
}

/** Splits on any of `separators` outside backslash escapes and double quotes. */
function split(text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (!quoted && separators.includes(c)) {
      parts.push(current.trim());
      current = "";
    } else current += c;
  }
  if (quoted) throw new NameTextError("unterminated quote");
  parts.push(current.trim());
  if (parts.some((p) => p === "")) throw new NameTextError("empty RDN (two separators in a row?)");
  return parts;
}

/** RFC 4514 §3 escapes: \<special> and \<hex><hex>; a quoted value keeps its content. */
function unescapeValue(value: string): string {
  if (value.startsWith("#")) throw new NameTextError("hex-encoded (#…) values are not accepted here");
  const unquoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < unquoted.length; i++) {
    const c = unquoted[i]!;
    if (c !== "\\") {
      bytes.push(...encoder.encode(c));
      continue;
    }
    const hex = unquoted.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (i + 1 < unquoted.length) {
      bytes.push(...encoder.encode(unquoted[++i]!));
    } else throw new NameTextError("a value ends with a lone backslash");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(new Uint8Array(bytes));
  } catch {
    throw new NameTextError("escaped bytes are not UTF-8");
  }
}
