// Character strings (X.680 §41) read and written strictly: decoding and re-encoding yield the same
// octets, and the content rules of names (RFC 5280 §4.1.2.4, Appendix A) hold both ways. Also the
// lenient reading of text attributes clients send (challengePassword, SCEP attributes).
import { DerError, tlv } from "./der";

/** Character string types (X.680 §41). */
export const STRING_TAG = {
  UTF8: 0x0c,
  NUMERIC: 0x12,
  PRINTABLE: 0x13,
  TELETEX: 0x14,
  IA5: 0x16,
  VISIBLE: 0x1a,
  UNIVERSAL: 0x1c,
  BMP: 0x1e,
} as const;

const MAX_VALUE_CHARS = 256;

/** X.680 §41.4 PrintableString repertoire. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** Whether text fits PrintableString: what SCEP clients send and certmonger reads. */
export function isPrintable(text: string): boolean {
  return PRINTABLE.test(text);
}
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
/** Replacement characters instead of errors, for text that is only shown or compared. */
const lenientUtf8 = new TextDecoder();

/** Bytes per character at most, so an over-long value is refused before it is decoded. */
const MAX_UNIT: Record<number, number> = { 0x0c: 4, 0x13: 1, 0x14: 1, 0x16: 1, 0x1c: 4, 0x1e: 2 };

/** The text of a character string (tag = universal string type), checked for content rules too. */
export function decodeString(tag: number, body: Uint8Array): string {
  const unit = MAX_UNIT[tag];
  if (unit === undefined) throw new DerError(`value is not a character string (tag 0x${tag.toString(16).padStart(2, "0")})`);
  if (body.length === 0) throw new DerError("empty value");
  if (body.length > MAX_VALUE_CHARS * unit) throw new DerError(`value longer than ${MAX_VALUE_CHARS} characters`);
  let text = "";
  switch (tag) {
    case STRING_TAG.UTF8:
      try {
        text = utf8Decoder.decode(body);
      } catch {
        throw new DerError("invalid UTF-8 in a UTF8String");
      }
      break;
    case STRING_TAG.BMP: // UCS-2 big-endian (X.680 §41.16): no surrogates
      if (body.length % 2) throw new DerError("BMPString of odd length");
      for (let i = 0; i < body.length; i += 2) {
        const unit16 = (body[i]! << 8) | body[i + 1]!;
        if (unit16 >= 0xd800 && unit16 <= 0xdfff) throw new DerError("invalid BMPString (surrogate)");
        text += String.fromCharCode(unit16);
      }
      break;
    case STRING_TAG.UNIVERSAL: // UCS-4 big-endian
      if (body.length % 4) throw new DerError("UniversalString length not a multiple of 4");
      for (let i = 0; i < body.length; i += 4) {
        const cp = ((body[i]! << 24) | (body[i + 1]! << 16) | (body[i + 2]! << 8) | body[i + 3]!) >>> 0;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new DerError("invalid UniversalString character");
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
function checkString(tag: number, text: string): void {
  if (text.length === 0) throw new DerError("empty value");
  if (!text.isWellFormed()) throw new DerError("value is not well-formed Unicode");
  if (CONTROL.test(text)) throw new DerError("value contains a NUL or control character");
  let chars = 0;
  for (const _ of text) chars++;
  if (chars > MAX_VALUE_CHARS) throw new DerError(`value longer than ${MAX_VALUE_CHARS} characters`);
  if (tag === STRING_TAG.PRINTABLE && !PRINTABLE.test(text)) throw new DerError("PrintableString with a character outside its set");
  if (tag === STRING_TAG.IA5 && /[^\u0000-\u007f]/.test(text)) throw new DerError("IA5String with a non-ASCII character");
  if (tag === STRING_TAG.TELETEX && /[^\u0000-\u00ff]/.test(text)) throw new DerError("TeletexString with a character it cannot hold");
  if (tag === STRING_TAG.BMP && /[^\u0000-\uffff]/u.test(text)) throw new DerError("BMPString with a character outside the BMP");
}

/** Contents octets of a character string; the inverse of decodeString. */
export function stringOctets(tag: number, text: string): Uint8Array {
  if (MAX_UNIT[tag] === undefined) throw new DerError("not a character string type");
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
      for (const [i, cp] of cps.entries()) view.setUint32(4 * i, cp);
      return out;
    }
    default:
      return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }
}

export function encodeString(tag: number, text: string): Uint8Array {
  return tlv(tag, stringOctets(tag, text));
}

/**
 * A DirectoryString-ish value as clients send it (PKCS#9 challengePassword, RFC 2985 §5.4.1):
 * PrintableString in most clients, UTF8String in others (Windows, some Android builds); BMPString,
 * T61String, IA5String, VisibleString and UniversalString in old gear. No content rules: the value
 * is compared, never issued. Undefined for other tags.
 */
export function readDirectoryString(tag: number, body: Uint8Array): string | undefined {
  switch (tag) {
    case STRING_TAG.UTF8:
      return lenientUtf8.decode(body);
    case STRING_TAG.PRINTABLE:
    case STRING_TAG.IA5:
    case STRING_TAG.VISIBLE:
    case STRING_TAG.TELETEX: // read as Latin-1, which is what senders of T61 actually mean
      return String.fromCharCode(...body);
    case STRING_TAG.BMP: // UTF-16BE
      return new TextDecoder("utf-16be").decode(body);
    case STRING_TAG.UNIVERSAL: {
      // UTF-32BE
      let out = "";
      for (let i = 0; i + 3 < body.length; i += 4) {
        out += String.fromCodePoint(((body[i]! << 24) | (body[i + 1]! << 16) | (body[i + 2]! << 8) | body[i + 3]!) >>> 0);
      }
      return out;
    }
    default:
      return undefined;
  }
}

const TEXT_TAGS: ReadonlySet<number> = new Set([
  STRING_TAG.UTF8,
  STRING_TAG.NUMERIC,
  STRING_TAG.PRINTABLE,
  STRING_TAG.TELETEX,
  STRING_TAG.IA5,
  STRING_TAG.VISIBLE,
]);

/** The text of an attribute value of a character string type read as UTF-8 (SCEP attributes), else undefined. */
export function attributeText(tag: number, body: Uint8Array): string | undefined {
  return TEXT_TAGS.has(tag) ? lenientUtf8.decode(body) : undefined;
}
