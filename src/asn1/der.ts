// DER (X.690 §10) read as raw TLVs and written by concatenation: the one home of tag-length-value
// handling. asn1js decodes every BIT/OCTET STRING speculatively as nested ASN.1 (RSA moduli,
// signatures), which costs more than the RSA signature itself; walking TLVs and splicing raw bytes
// is both faster and byte-exact.
import { compareBytes } from "../util/bytes";

/** Malformed DER (or BER where DER is required). Its message is safe to log and says what broke. */
export class DerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DerError";
  }
}

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/** Universal tags (X.680 §8.4) and the constructed forms used here. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One TLV at `offset`, bounded by `limit`. Single-byte tags only; definite lengths only (DER). */
export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError("truncated TLV");
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not supported");
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError("indefinite length is not DER");
    if (count > 4 || contentStart + count > limit) throw new DerError("bad length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError("length exceeds the enclosing value");
  return { tag, start: offset, contentStart, end };
}

/** The children of a constructed TLV. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(bytes, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** The whole encoding (tag, length and contents) of a TLV. */
export function slice(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** The contents octets of a TLV. */
export function content(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

/** X.690 §8.1.3: short form below 128, else the fewest length octets (§10.1). */
function lengthOctetCount(length: number): number {
  let n = 0;
  for (let l = length; l > 0; l = Math.floor(l / 256)) n++;
  return length < 0x80 ? 1 : 1 + n;
}

/** tag + DER length + the concatenated parts, written once into one buffer (the hot path builds hundreds). */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const header = 1 + lengthOctetCount(length);
  const out = new Uint8Array(header + length);
  out[0] = tag;
  if (length < 0x80) out[1] = length;
  else {
    out[1] = 0x80 | (header - 2);
    for (let i = header - 1, l = length; i >= 2; i--, l = Math.floor(l / 256)) out[i] = l & 0xff;
  }
  let at = header;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** X.690 §11.6: SET OF components in ascending order of their encodings. */
export function derSetOf(encodings: Uint8Array[]): Uint8Array {
  return tlv(TAG.SET, ...[...encodings].sort(compareBytes));
}

/** NULL, as RSA AlgorithmIdentifiers carry it (RFC 4055 §5, RFC 8017 Appendix A.1). */
export const DER_NULL = new Uint8Array([TAG.NULL, 0x00]);
/** BOOLEAN TRUE (X.690 §11.1: all bits set). FALSE is the DEFAULT wherever we write one, so never encoded. */
export const DER_TRUE = new Uint8Array([TAG.BOOLEAN, 0x01, 0xff]);

/**
 * INTEGER of a non-negative number (X.690 §8.3: two's complement, fewest octets, a 0x00 pad when
 * the top bit would read as a sign).
 */
export function derInteger(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new DerError("derInteger takes a non-negative safe integer");
  const octets: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
  if (octets.length === 0 || octets[0]! & 0x80) octets.unshift(0);
  return tlv(TAG.INTEGER, new Uint8Array(octets));
}

/** BIT STRING of whole octets, or with `unusedBits` (0-7) of the last octet unused (X.690 §8.6.2). */
export function derBitString(bits: Uint8Array, unusedBits = 0): Uint8Array {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (unusedBits > 0 && bits.length === 0))
    throw new DerError("bad unused-bits count");
  return tlv(TAG.BIT_STRING, Uint8Array.of(unusedBits), bits);
}

/** INTEGER contents without sign padding, for comparing serial numbers (RFC 5280 §4.1.2.2). */
export function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}
