// Strict DER for names and extensions a requester controls (X.690 §10, RFC 5280 §4.1.2.4): minimal
// lengths, counts bounded while reading, OIDs and character strings decoded so that re-encoding
// yields the same octets. Every refusal is a NameError whose message is safe to send to the client.
import { concatBytes } from "../util/bytes";
import { decodeOid, DerError, readTlv, tlv, type Tlv } from "../util/der";

export class NameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NameError";
  }
}

/** One TLV, refusing BER leftovers: a length must use the fewest octets (X.690 §10.1). */
export function readStrict(bytes: Uint8Array, at: number, limit: number, what: string): Tlv {
  let t: Tlv;
  try {
    t = readTlv(bytes, at, limit);
  } catch (e) {
    if (e instanceof DerError) throw new NameError(`${what}: malformed DER (${e.message})`);
    throw e;
  }
  const lengthOctets = t.contentStart - t.start - 1;
  if (lengthOctets > 1 && (t.end - t.contentStart < 0x80 || bytes[t.start + 2] === 0)) {
    throw new NameError(`${what}: malformed DER (length not in its shortest form)`);
  }
  return t;
}

/** The children of a constructed TLV, refusing at the (max+1)th without reading further (rule 8: bounded work). */
export function readChildren(bytes: Uint8Array, parent: Tlv, max: number, what: string, tooMany: string): Tlv[] {
  if ((bytes[parent.start]! & 0x20) === 0) throw new NameError(`${what}: expected a constructed value`);
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readStrict(bytes, at, parent.end, what);
    if (out.length === max) throw new NameError(tooMany);
    out.push(child);
    at = child.end;
  }
  return out;
}

const MAX_OID_OCTETS = 64;
const MAX_ARC_OCTETS = 7; // 49 bits: every arc stays an exact JavaScript number

/** Dotted text of OBJECT IDENTIFIER contents, refusing non-minimal or truncated sub-identifiers (X.690 §8.19.2). */
export function readOid(body: Uint8Array, what: string): string {
  if (body.length === 0 || body.length > MAX_OID_OCTETS) throw new NameError(`${what}: bad OBJECT IDENTIFIER length`);
  let arcOctets = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (arcOctets === 0 && b === 0x80) throw new NameError(`${what}: OBJECT IDENTIFIER not in DER`);
    arcOctets = b & 0x80 ? arcOctets + 1 : 0;
    if (arcOctets >= MAX_ARC_OCTETS) throw new NameError(`${what}: OBJECT IDENTIFIER arc too large`);
  }
  if (arcOctets !== 0) throw new NameError(`${what}: truncated OBJECT IDENTIFIER`);
  return decodeOid(body);
}

const DOTTED = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/**
 * Contents octets of an OBJECT IDENTIFIER for dotted text. Not util/der's memoised oid(): the OIDs
 * here come from requesters, and a cache keyed by them would grow without bound.
 */
export function oidOctets(dotted: string): Uint8Array {
  const arcs = DOTTED.test(dotted) ? dotted.split(".").map(Number) : [];
  if (arcs.length < 2 || arcs.some((a) => a >= 2 ** 49) || (arcs[0]! < 2 && arcs[1]! >= 40)) {
    throw new NameError("not a valid OBJECT IDENTIFIER");
  }
  const body: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const chunk = [arc % 128];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | n % 128);
    body.push(...chunk);
  }
  if (body.length > MAX_OID_OCTETS) throw new NameError("OBJECT IDENTIFIER too long");
  return new Uint8Array(body);
}

export function encodeOid(dotted: string): Uint8Array {
  return tlv(0x06, oidOctets(dotted));
}

export const STRING_TAG = { UTF8: 0x0c, PRINTABLE: 0x13, TELETEX: 0x14, IA5: 0x16, UNIVERSAL: 0x1c, BMP: 0x1e } as const;

export const MAX_VALUE_CHARS = 256;

/** X.680 §41.4 PrintableString repertoire. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Bytes per character at most, so an over-long value is refused before it is decoded. */
const MAX_UNIT: Record<number, number> = { 0x0c: 4, 0x13: 1, 0x14: 1, 0x16: 1, 0x1c: 4, 0x1e: 2 };

/** The text of a character string (tag = universal string type), checked for content rules too. */
export function decodeString(tag: number, body: Uint8Array): string {
  const unit = MAX_UNIT[tag];
  if (unit === undefined) throw new NameError(`value is not a character string (tag 0x${tag.toString(16).padStart(2, "0")})`);
  if (body.length === 0) throw new NameError("empty value");
  if (body.length > MAX_VALUE_CHARS * unit) throw new NameError(`value longer than ${MAX_VALUE_CHARS} characters`);
  let text = "";
  switch (tag) {
    case STRING_TAG.UTF8:
      try {
        text = utf8Decoder.decode(body);
      } catch {
        throw new NameError("invalid UTF-8 in a UTF8String");
      }
      break;
    case STRING_TAG.BMP: // UCS-2 big-endian (X.680 §41.16): no surrogates
      if (body.length % 2) throw new NameError("BMPString of odd length");
      for (let i = 0; i < body.length; i += 2) {
        const unit16 = (body[i]! << 8) | body[i + 1]!;
        if (unit16 >= 0xd800 && unit16 <= 0xdfff) throw new NameError("invalid BMPString (surrogate)");
        text += String.fromCharCode(unit16);
      }
      break;
    case STRING_TAG.UNIVERSAL: // UCS-4 big-endian
      if (body.length % 4) throw new NameError("UniversalString length not a multiple of 4");
      for (let i = 0; i < body.length; i += 4) {
        const cp = ((body[i]! << 24) | (body[i + 1]! << 16) | (body[i + 2]! << 8) | body[i + 3]!) >>> 0;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new NameError("invalid UniversalString character");
        text += String.fromCodePoint(cp);
      }
      break;
    default: // PrintableString, IA5String, TeletexString (read as Latin-1, what T.61 senders mean)
      for (const b of body) text += String.fromCharCode(b);
  }
  checkString(tag, text);
  return text;
}

/** Content rules shared by reading and writing: repertoire, no control characters, 1..256 characters. */
export function checkString(tag: number, text: string): void {
  if (text.length === 0) throw new NameError("empty value");
  if (!text.isWellFormed()) throw new NameError("value is not well-formed Unicode");
  if (CONTROL.test(text)) throw new NameError("value contains a NUL or control character");
  let chars = 0;
  for (const _ of text) chars++;
  if (chars > MAX_VALUE_CHARS) throw new NameError(`value longer than ${MAX_VALUE_CHARS} characters`);
  if (tag === STRING_TAG.PRINTABLE && !PRINTABLE.test(text)) throw new NameError("PrintableString with a character outside its set");
  if (tag === STRING_TAG.IA5 && /[^\u0000-\u007f]/.test(text)) throw new NameError("IA5String with a non-ASCII character");
  if (tag === STRING_TAG.TELETEX && /[^\u0000-\u00ff]/.test(text)) throw new NameError("TeletexString with a character it cannot hold");
  if (tag === STRING_TAG.BMP && /[^\u0000-\uffff]/u.test(text)) throw new NameError("BMPString with a character outside the BMP");
}

/** Contents octets of a character string; the inverse of decodeString. */
export function stringOctets(tag: number, text: string): Uint8Array {
  if (MAX_UNIT[tag] === undefined) throw new NameError("not a character string type");
  checkString(tag, text);
  switch (tag) {
    case STRING_TAG.UTF8:
      return utf8Encoder.encode(text);
    case STRING_TAG.BMP: {
      const out = new Uint8Array(text.length * 2);
      for (let i = 0; i < text.length; i++) {
        out[2 * i] = text.charCodeAt(i) >> 8;
        out[2 * i + 1] = text.charCodeAt(i) & 0xff;
      }
      return out;
    }
    case STRING_TAG.UNIVERSAL: {
      const cps = Array.from(text, (c) => c.codePointAt(0)!);
      const out = new Uint8Array(cps.length * 4);
      const view = new DataView(out.buffer);
      cps.forEach((cp, i) => view.setUint32(4 * i, cp));
      return out;
    }
    default:
      return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }
}

export function encodeString(tag: number, text: string): Uint8Array {
  return tlv(tag, stringOctets(tag, text));
}

/** A value quoted for an error message: at most `max` characters, control characters shown as '?'. */
export function clip(value: string, max = 48): string {
  const chars = Array.from(value.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?"));
  return JSON.stringify(chars.length > max ? `${chars.slice(0, max).join("")}…` : chars.join(""));
}

/** X.690 §11.6: SET OF components in ascending order of their encodings, shorter ones padded with zeros. */
export function derSetOf(encodings: Uint8Array[]): Uint8Array {
  const sorted = [...encodings].sort((a, b) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  });
  return tlv(0x31, concatBytes(...sorted));
}
