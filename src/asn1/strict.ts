// Strict DER for values a requester controls (names, extensions; RFC 5280 §4.1.2.4): minimal
// lengths and counts bounded while reading (design rule 8: bounded work before anything costly),
// so that re-encoding what was read yields the same octets.
import { DerError, readTlv, type Tlv } from "./der";

/** One TLV, refusing BER leftovers: a length must use the fewest octets (X.690 §10.1). */
export function readStrict(bytes: Uint8Array, at: number, limit: number, what: string): Tlv {
  let t: Tlv;
  try {
    t = readTlv(bytes, at, limit);
  } catch (e) {
    if (e instanceof DerError) throw new DerError(`${what}: malformed DER (${e.message})`, { cause: e });
    throw e;
  }
  const lengthOctets = t.contentStart - t.start - 1;
  if (lengthOctets > 1 && (t.end - t.contentStart < 0x80 || bytes[t.start + 2] === 0)) {
    throw new DerError(`${what}: malformed DER (length not in its shortest form)`);
  }
  return t;
}

/** The children of a constructed TLV, refusing at the (max+1)th without reading further. */
export function readChildren(bytes: Uint8Array, parent: Tlv, max: number, what: string, tooMany: string): Tlv[] {
  if ((bytes[parent.start]! & 0x20) === 0) throw new DerError(`${what}: expected a constructed value`);
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readStrict(bytes, at, parent.end, what);
    if (out.length === max) throw new DerError(tooMany);
    out.push(child);
    at = child.end;
  }
  return out;
}
