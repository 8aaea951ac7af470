// OBJECT IDENTIFIER (X.690 §8.19) read and written: dotted text <-> contents octets.
import { content, DerError, TAG, tlv, type Tlv } from "./der";

/** Dotted text of OBJECT IDENTIFIER contents, without checks (the octets were checked or are ours). */
export function decodeOid(body: Uint8Array): string {
  // Built as one string (no array of arcs): every request reads a few dozen OIDs.
  let text = "";
  let value = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (text === "") text = value < 80 ? `${Math.floor(value / 40)}.${value % 40}` : `2.${value - 80}`;
      else text += `.${value}`;
      value = 0;
    }
  }
  return text;
}

const MAX_OID_OCTETS = 64;
const MAX_ARC_OCTETS = 7; // 49 bits: every arc stays an exact JavaScript number

/**
 * Dotted text of OBJECT IDENTIFIER contents a requester controls, refusing what re-encodes to other
 * octets: empty or over-long contents, a sub-identifier with a leading 0x80 (X.690 §8.19.2), a
 * truncated last one, an arc past 2^49. DerError("<what>: …") otherwise.
 */
export function readOid(body: Uint8Array, what: string): string {
  if (body.length === 0 || body.length > MAX_OID_OCTETS) throw new DerError(`${what}: bad OBJECT IDENTIFIER length`);
  let arcOctets = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (arcOctets === 0 && b === 0x80) throw new DerError(`${what}: OBJECT IDENTIFIER not in DER`);
    arcOctets = b & 0x80 ? arcOctets + 1 : 0;
    if (arcOctets >= MAX_ARC_OCTETS) throw new DerError(`${what}: OBJECT IDENTIFIER arc too large`);
  }
  if (arcOctets !== 0) throw new DerError(`${what}: truncated OBJECT IDENTIFIER`);
  return decodeOid(body);
}

/**
 * Dotted text of an OBJECT IDENTIFIER TLV inside a certificate or CMS structure: the right tag, at
 * least one sub-identifier, the last one complete and none with a leading 0x80 octet. Looser than
 * readOid on length (certificates are bounded by the message size), with its own wording.
 */
export function readOidTlv(der: Uint8Array, oidTlv: Tlv | undefined, what: string): string {
  if (!oidTlv || oidTlv.tag !== TAG.OID) throw new DerError(`${what}: not an OBJECT IDENTIFIER`);
  const body = content(der, oidTlv);
  if (body.length === 0 || (body[body.length - 1]! & 0x80) !== 0) throw new DerError(`${what}: malformed OBJECT IDENTIFIER`);
  for (let j = 0; j < body.length; j++) {
    if (body[j] === 0x80 && (j === 0 || (body[j - 1]! & 0x80) === 0)) throw new DerError(`${what}: malformed OBJECT IDENTIFIER`);
  }
  return decodeOid(body);
}

const DOTTED = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/** Contents octets for dotted text, refusing what is not an OID (X.660 §A: first arc 0-2, second < 40 under 0 and 1). */
export function oidOctets(dotted: string): Uint8Array {
  const arcs = DOTTED.test(dotted) ? dotted.split(".").map(Number) : [];
  if (arcs.length < 2 || arcs.some((a) => a >= 2 ** 49) || (arcs[0]! < 2 && arcs[1]! >= 40)) {
    throw new DerError("not a valid OBJECT IDENTIFIER");
  }
  const body: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const chunk = [arc % 128];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n % 128));
    body.push(...chunk);
  }
  if (body.length > MAX_OID_OCTETS) throw new DerError("OBJECT IDENTIFIER too long");
  return new Uint8Array(body);
}

/** DER OBJECT IDENTIFIER of dotted text from a requester (not memoised: such text is unbounded). */
export function encodeOid(dotted: string): Uint8Array {
  return tlv(TAG.OID, oidOctets(dotted));
}

const oidCache = new Map<string, Uint8Array>();

/** DER OBJECT IDENTIFIER of one of our own constants, memoised: the hot path writes a handful of them. */
export function oid(dotted: string): Uint8Array {
  const der = oidCache.get(dotted) ?? encodeOid(dotted);
  oidCache.set(dotted, der);
  return der;
}
