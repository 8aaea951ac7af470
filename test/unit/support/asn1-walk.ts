// ASN.1 inspection for byte-level assertions: walking a parsed tree, and BER re-encodings of DER.
import * as asn1js from "asn1js";
import { toArrayBuffer } from "../../../src/util/bytes";

export function parseAsn1(der: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(toArrayBuffer(der));
  if (parsed.offset === -1) throw new Error(`not BER: ${parsed.result.error}`);
  return parsed.result;
}

export function children(node: asn1js.AsnType): asn1js.AsnType[] {
  // Only constructed nodes have child elements (an OID's valueBlock.value holds sub-identifiers).
  if (!node.idBlock.isConstructed) return [];
  const value = (node as { valueBlock?: { value?: unknown } }).valueBlock?.value;
  return Array.isArray(value) ? (value as asn1js.AsnType[]) : [];
}

export function walk(node: asn1js.AsnType, visit: (n: asn1js.AsnType) => void): void {
  visit(node);
  for (const c of children(node)) walk(c, visit);
}

/** Every Attribute (SEQUENCE { OID, SET }) anywhere under node, as [oid, first value]. */
export function attributesIn(node: asn1js.AsnType): Map<string, asn1js.AsnType[]> {
  const found = new Map<string, asn1js.AsnType[]>();
  walk(node, (n) => {
    if (!(n instanceof asn1js.Sequence)) return;
    const [oid, set] = children(n);
    if (oid instanceof asn1js.ObjectIdentifier && set instanceof asn1js.Set && children(n).length === 2) {
      const key = oid.valueBlock.toString();
      found.set(key, [...(found.get(key) ?? []), ...children(set)]);
    }
  });
  return found;
}

/** True if any length in the encoding is in indefinite form. */
export function hasIndefiniteLength(der: Uint8Array): boolean {
  let indefinite = false;
  walk(parseAsn1(der), (n) => {
    if (n.lenBlock.isIndefiniteForm) indefinite = true;
  });
  return indefinite;
}

/** X.690 header (tag byte(s) already given) for a definite length. */
function derHeader(tag: number, length: number): Uint8Array {
  if (length < 0x80) return new Uint8Array([tag, length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return new Uint8Array([tag, 0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, body: Uint8Array): Uint8Array {
  return concat(derHeader(tag, body.length), body);
}

/** Constructed element with indefinite length: tag | 0x80 | contents | 00 00. */
export function indefinite(tag: number, body: Uint8Array): Uint8Array {
  return concat(new Uint8Array([tag, 0x80]), body, new Uint8Array([0, 0]));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Header length and content of a definite-length TLV at offset. */
export function readTlv(bytes: Uint8Array, offset = 0): { tag: number; header: number; length: number; content: Uint8Array; end: number } {
  const tag = bytes[offset]!;
  let length = bytes[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[offset + 2 + i]!;
    header += n;
  }
  const start = offset + header;
  return { tag, header, length, content: bytes.subarray(start, start + length), end: start + length };
}

/** The child TLVs of a constructed definite-length element's content. */
export function splitTlvs(content: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < content.length; ) {
    const t = readTlv(content, o);
    out.push(content.subarray(o, t.end));
    o = t.end;
  }
  return out;
}
