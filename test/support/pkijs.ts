// pkijs as an independent oracle for tests: the Worker and the client library read and write raw
// DER (src/asn1/), and tests check their output with a second, unrelated ASN.1 implementation.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { bytesToHex, concatBytes, toArrayBuffer, toBytes } from "../../src/util/bytes";

class Asn1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Asn1Error";
  }
}

/** Parses BER (indefinite lengths included: iOS and jscep send them) or throws Asn1Error. */
export function parseBer(bytes: Uint8Array, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(toArrayBuffer(bytes));
  if (parsed.offset === -1) throw new Asn1Error(`${what}: not valid BER (${parsed.result.error})`);
  return parsed.result;
}

/** Runs a pkijs constructor over a parsed schema, turning its exceptions into Asn1Error. */
function decodeAs<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    throw new Asn1Error(`${what}: ${e instanceof Error ? e.message : "malformed"}`);
  }
}

export function encodeDer(value: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array {
  return new Uint8Array(value.toBER(false));
}

/** The contents of an OCTET STRING, primitive or constructed (BER segments are concatenated). */
export function octetStringBytes(value: asn1js.OctetString | asn1js.AsnType): Uint8Array {
  // pkijs re-tags some OCTET STRINGs (e.g. EncryptedContentInfo's [0]) as generic blocks.
  if (value instanceof asn1js.OctetString && !value.idBlock.isConstructed) return toBytes(value.valueBlock.valueHexView);
  const block = (value as { valueBlock?: { value?: asn1js.AsnType[]; valueHexView?: Uint8Array } }).valueBlock;
  if (Array.isArray(block?.value) && block.value.length > 0) return concatBytes(...block.value.map((v) => octetStringBytes(v)));
  return toBytes(block?.valueHexView ?? new Uint8Array(0));
}

export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return decodeAs("certificate", () => new pkijs.Certificate({ schema: parseBer(der, "certificate") }));
}

export function certificateDer(cert: pkijs.Certificate): Uint8Array {
  return encodeDer(cert.toSchema());
}

// RFC 4514 rendering through asn1js (what src/ca/dn.ts did): an oracle for src/x509/name.ts.
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
  let out = value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/[\u0000-\u001f]/g, (c) => {
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
export function pkijsNameText(nameDer: Uint8Array): string {
  const parsed = asn1js.fromBER(toArrayBuffer(nameDer));
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
