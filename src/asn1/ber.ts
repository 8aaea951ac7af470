// BER -> DER normalisation (X.690 §10) for what clients send: iOS and jscep use indefinite
// lengths and constructed OCTET STRINGs (micromdm/scep#79). One linear pass turns the message
// into DER so the rest of the code can walk it with the DER reader in der.ts. Values are
// preserved: signatures and digests over content octets stay valid; element order is kept.
import { concatBytes } from "../util/bytes";
import { DerError, tlv } from "./der";

const MAX_DEPTH = 64;

/**
 * Universal string types whose constructed (BER) form is the concatenation of segments (X.690
 * §8.6.4, §8.7.3, §8.23.6): BIT and OCTET STRING and the character strings.
 */
const SEGMENTED_TAGS = new Set([0x03, 0x04, 0x0c, 0x12, 0x13, 0x14, 0x16, 0x1a, 0x1e]);

export function berToDer(bytes: Uint8Array): Uint8Array {
  if (isDefiniteDer(bytes, 0, bytes.length, 0)) return bytes;
  const { der, end } = convert(bytes, 0, bytes.length, 0);
  if (end !== bytes.length) throw new DerError("trailing bytes after the outer value");
  return der;
}

interface Header {
  tag: number;
  contentStart: number;
  /** undefined for an indefinite length */
  length?: number;
}

function header(bytes: Uint8Array, offset: number, limit: number): Header {
  if (offset + 2 > limit) throw new DerError("truncated TLV");
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not supported");
  const first = bytes[offset + 1]!;
  if (first === 0x80) {
    if ((tag & 0x20) === 0) throw new DerError("indefinite length on a primitive value");
    return { tag, contentStart: offset + 2 };
  }
  if ((first & 0x80) === 0) return { tag, contentStart: offset + 2, length: first };
  const count = first & 0x7f;
  if (count > 4 || offset + 2 + count > limit) throw new DerError("bad length");
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
  return { tag, contentStart: offset + 2 + count, length };
}

/** Fast check: definite lengths throughout and no constructed universal strings. */
function isDefiniteDer(bytes: Uint8Array, offset: number, limit: number, depth: number): boolean {
  if (depth > MAX_DEPTH) throw new DerError("nesting too deep");
  while (offset < limit) {
    const h = header(bytes, offset, limit);
    if (h.length === undefined) return false;
    const end = h.contentStart + h.length;
    if (end > limit) throw new DerError("length exceeds the enclosing value");
    if (h.tag & 0x20) {
      if (SEGMENTED_TAGS.has(h.tag & 0x1f) && (h.tag & 0xc0) === 0) return false;
      if (!isDefiniteDer(bytes, h.contentStart, end, depth + 1)) return false;
    }
    offset = end;
  }
  return true;
}

function convert(bytes: Uint8Array, offset: number, limit: number, depth: number): { der: Uint8Array; end: number } {
  if (depth > MAX_DEPTH) throw new DerError("nesting too deep");
  const h = header(bytes, offset, limit);
  if ((h.tag & 0x20) === 0) {
    const end = h.contentStart + h.length!;
    if (end > limit) throw new DerError("length exceeds the enclosing value");
    return { der: bytes.subarray(offset, end), end };
  }
  const parts: Uint8Array[] = [];
  let at = h.contentStart;
  let end: number;
  if (h.length === undefined) {
    for (;;) {
      if (at + 2 > limit) throw new DerError("missing end-of-contents");
      if (bytes[at] === 0 && bytes[at + 1] === 0) {
        end = at + 2;
        break;
      }
      const child = convert(bytes, at, limit, depth + 1);
      parts.push(child.der);
      at = child.end;
    }
  } else {
    end = h.contentStart + h.length;
    if (end > limit) throw new DerError("length exceeds the enclosing value");
    while (at < end) {
      const child = convert(bytes, at, end, depth + 1);
      parts.push(child.der);
      at = child.end;
    }
  }
  if ((h.tag & 0xc0) === 0 && SEGMENTED_TAGS.has(h.tag & 0x1f)) {
    // Constructed string: its value is the concatenation of its segments' values.
    const values = parts.map((p) => p.subarray(header(p, 0, p.length).contentStart));
    return { der: tlv(h.tag & ~0x20, concatBytes(...values)), end };
  }
  return { der: tlv(h.tag, concatBytes(...parts)), end };
}
