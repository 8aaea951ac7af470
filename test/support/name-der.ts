// DER builders for name test vectors: small enough to read in a table row, independent of the
// code under test (src/asn1's tlv/oid, whose own vectors are in test/unit/asn1-der.test.ts).
import { oid } from "../../src/asn1/oid";
import { tlv } from "../../src/asn1/der";
import { hexToBytes } from "../../src/util/bytes";

export const OIDS = {
  CN: "2.5.4.3",
  SN: "2.5.4.4",
  serialNumber: "2.5.4.5",
  C: "2.5.4.6",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  title: "2.5.4.12",
  GN: "2.5.4.42",
  UID: "0.9.2342.19200300.100.1.1",
  DC: "0.9.2342.19200300.100.1.25",
  emailAddress: "1.2.840.113549.1.9.1",
  unstructuredName: "1.2.840.113549.1.9.2",
} as const;

export const TAGS = { UTF8: 0x0c, PRINTABLE: 0x13, TELETEX: 0x14, IA5: 0x16, UNIVERSAL: 0x1c, BMP: 0x1e, INTEGER: 0x02 } as const;

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A string TLV; text is encoded per tag (BMP as UTF-16BE, Universal as UTF-32BE, UTF8 as UTF-8, others byte per char). */
export function str(tag: number, text: string): Uint8Array {
  if (tag === TAGS.UTF8) return tlv(tag, new TextEncoder().encode(text));
  if (tag === TAGS.BMP) return tlv(tag, Uint8Array.from(Buffer.from(text, "utf16le").swap16()));
  if (tag === TAGS.UNIVERSAL) {
    const cps = Array.from(text, (c) => c.codePointAt(0)!);
    const out = new Uint8Array(cps.length * 4);
    for (const [i, cp] of cps.entries()) new DataView(out.buffer).setUint32(i * 4, cp);
    return tlv(tag, out);
  }
  return tlv(tag, ascii(text));
}

export const raw = (tag: number, hex: string) => tlv(tag, hexToBytes(hex));
export const utf8 = (text: string) => str(TAGS.UTF8, text);
export const printable = (text: string) => str(TAGS.PRINTABLE, text);
export const ia5 = (text: string) => str(TAGS.IA5, text);

export function atv(type: string, value: Uint8Array): Uint8Array {
  return tlv(0x30, oid(type), value);
}
export const set = (...atvs: Uint8Array[]) => tlv(0x31, ...(atvs.length ? atvs : [new Uint8Array(0)]));
export const seq = (...parts: Uint8Array[]) => tlv(0x30, ...(parts.length ? parts : [new Uint8Array(0)]));
/** A Name with one attribute per RDN. */
export const name = (...atvs: Uint8Array[]) => seq(...atvs.map((a) => set(a)));
export const cn = (text: string) => name(atv(OIDS.CN, utf8(text)));

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

// GeneralName builders (RFC 5280 §4.2.1.6 context tags).
export const gn = {
  dns: (s: string) => tlv(0x82, ascii(s)),
  email: (s: string) => tlv(0x81, ascii(s)),
  uri: (s: string) => tlv(0x86, ascii(s)),
  ip: (h: string) => tlv(0x87, hexToBytes(h)),
  other: (typeId: string, value: Uint8Array) => tlv(0xa0, oid(typeId), tlv(0xa0, value)),
  upn: (s: string) => gn.other("1.3.6.1.4.1.311.20.2.3", utf8(s)),
  dir: (nameDer: Uint8Array) => tlv(0xa4, nameDer),
  rid: (dotted: string) => tlv(0x88, oid(dotted).subarray(2)),
};
