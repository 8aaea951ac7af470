// BER -> DER normalisation (X.690 §10) for what clients send: iOS and jscep use indefinite
// lengths and constructed OCTET STRINGs (micromdm/scep#79). The message is measured once and
// written once into one buffer, so the work is linear in its size whatever its shape (a
// concatenation per level would copy a deep message once per level), and bounded while reading:
// nesting depth and element count (design rule 8). Values are preserved: signatures and digests
// over content octets stay valid; element order is kept.
import { DerError } from "./der";

/** Deepest nesting accepted; real SCEP messages nest 10 deep (test/fixtures/real-clients). */
const MAX_DEPTH = 24;
/** Most TLVs in one value; a signed, encrypted request has a few hundred. */
const MAX_ELEMENTS = 4096;

/**
 * Universal string types whose constructed (BER) form is the concatenation of segments (X.690
 * §8.6.4, §8.7.3, §8.23.6): BIT and OCTET STRING and the character strings.
 */
const SEGMENTED_TAGS = new Set([0x03, 0x04, 0x0c, 0x12, 0x13, 0x14, 0x16, 0x1a, 0x1e]);

const isSegmentedString = (tag: number) => (tag & 0xe0) === 0x20 && SEGMENTED_TAGS.has(tag & 0x1f);

/** The one value in `bytes` as DER; `bytes` itself when it already has definite lengths and no constructed strings. */
export function berToDer(bytes: Uint8Array): Uint8Array {
  const m: Measure = { lengths: [], converts: false };
  const root = measure(bytes, 0, bytes.length, 0, m);
  if (!m.converts) return bytes;
  if (root.end !== bytes.length) throw new DerError("trailing bytes after the outer value");
  const out = new Uint8Array(headerSize(root.length) + root.length);
  write(bytes, 0, bytes.length, { lengths: m.lengths, next: 0, out, at: 0 }, false);
  return out;
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

interface Measure {
  /** The DER content length of every element, in document order (pre-order). */
  lengths: number[];
  /** Something is not DER yet: an indefinite length or a constructed string. */
  converts: boolean;
}

/** Pass 1: where the element ends in the input and how long its DER content is. */
function measure(bytes: Uint8Array, offset: number, limit: number, depth: number, m: Measure): { end: number; length: number } {
  if (depth > MAX_DEPTH) throw new DerError(`nesting deeper than ${MAX_DEPTH}`);
  if (m.lengths.length >= MAX_ELEMENTS) throw new DerError(`more than ${MAX_ELEMENTS} elements`);
  const index = m.lengths.push(0) - 1;
  const h = header(bytes, offset, limit);
  if ((h.tag & 0x20) === 0) {
    const end = h.contentStart + h.length!;
    if (end > limit) throw new DerError("length exceeds the enclosing value");
    m.lengths[index] = h.length!;
    return { end, length: h.length! };
  }
  const flatten = isSegmentedString(h.tag);
  if (flatten || h.length === undefined) m.converts = true;
  const end = h.length === undefined ? limit : h.contentStart + h.length;
  if (end > limit) throw new DerError("length exceeds the enclosing value");
  let at = h.contentStart;
  let length = 0;
  for (;;) {
    if (h.length === undefined) {
      if (at + 2 > limit) throw new DerError("missing end-of-contents");
      if (bytes[at] === 0 && bytes[at + 1] === 0) {
        at += 2;
        break;
      }
    } else if (at >= end) break;
    const child = measure(bytes, at, end, depth + 1, m);
    // A constructed string's value is the concatenation of its segments' values.
    length += flatten ? child.length : headerSize(child.length) + child.length;
    at = child.end;
  }
  m.lengths[index] = length;
  return { end: at, length };
}

interface Writer {
  lengths: number[];
  next: number;
  out: Uint8Array;
  at: number;
}

/** Pass 2: the element (its header unless it is a segment of a string) and its content, in DER. */
function write(bytes: Uint8Array, offset: number, limit: number, w: Writer, segment: boolean): number {
  const length = w.lengths[w.next++]!;
  const h = header(bytes, offset, limit);
  const flatten = isSegmentedString(h.tag);
  if (!segment) writeHeader(w, flatten ? h.tag & ~0x20 : h.tag, length);
  if ((h.tag & 0x20) === 0) {
    w.out.set(bytes.subarray(h.contentStart, h.contentStart + length), w.at);
    w.at += length;
    return h.contentStart + length;
  }
  const end = h.length === undefined ? limit : h.contentStart + h.length;
  let at = h.contentStart;
  while (h.length === undefined ? !(bytes[at] === 0 && bytes[at + 1] === 0) : at < end) at = write(bytes, at, end, w, flatten);
  return h.length === undefined ? at + 2 : at;
}

function headerSize(length: number): number {
  if (length < 0x80) return 2;
  let n = 0;
  for (let l = length; l > 0; l = Math.floor(l / 256)) n++;
  return 2 + n;
}

/** Tag and the shortest length octets (X.690 §10.1). */
function writeHeader(w: Writer, tag: number, length: number): void {
  w.out[w.at++] = tag;
  if (length < 0x80) {
    w.out[w.at++] = length;
    return;
  }
  const n = headerSize(length) - 2;
  w.out[w.at++] = 0x80 | n;
  for (let i = n - 1; i >= 0; i--) w.out[w.at++] = Math.floor(length / 256 ** i) & 0xff;
}
