// Message digests (FIPS 180-4) as the structures and records here use them.
import { createHash } from "node:crypto";
import { bytesToHex } from "../util/bytes";
import type { HashName } from "./algorithms";

export function digest(hash: HashName, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hash).update(data).digest());
}

/** Hex of a digest: lower case for stored request hashes, upper case for certificate fingerprints and serials. */
export function digestHex(hash: HashName, data: Uint8Array, upper = false): string {
  return bytesToHex(digest(hash, data), upper);
}
