// RSA key transport for KeyTransRecipientInfo (RFC 5652 §6.2.1): PKCS#1 v1.5 (what every SCEP client
// sends) and RSAES-OAEP (some Windows builds).
import { constants, privateDecrypt, publicEncrypt, type KeyObject } from "node:crypto";
import type { PrivateKeyHandle } from "../crypto/keys";
import type { HashName } from "./oids";

/**
 * PKCS#1 v1.5 unwrap with implicit rejection (RFC 8017 §7.2.2 note, draft-irtf-cfrg-rsa-guidance):
 * the raw RSA result is checked without early exits and, when the padding is wrong or the key has
 * an unexpected length, a random key of the expected length is returned instead. The caller then
 * fails exactly as it would with a wrong key, so the endpoint is no Bleichenbacher oracle.
 * (node:crypto's RSA_PKCS1_PADDING decrypt is also refused by Node >= 20 for this reason.)
 */
export function unwrapPkcs1v15(
  key: PrivateKeyHandle,
  encryptedKey: Uint8Array,
  expectedLength: number,
  randomBytes: (n: number) => Uint8Array,
): Uint8Array {
  const fallback = randomBytes(expectedLength);
  const k = Math.ceil(key.bits / 8);
  let em: Uint8Array;
  try {
    if (encryptedKey.length !== k) return fallback;
    em = new Uint8Array(privateDecrypt({ key: key.key, padding: constants.RSA_NO_PADDING }, encryptedKey));
  } catch {
    return fallback; // ciphertext >= modulus: same outcome as bad padding
  }
  // EM = 0x00 || 0x02 || PS (>= 8 nonzero bytes) || 0x00 || M, with |M| = expectedLength.
  const separatorIndex = k - expectedLength - 1;
  let bad = em[0]! | (em[1]! ^ 0x02);
  for (let i = 2; i < separatorIndex; i++) bad |= em[i]! === 0 ? 1 : 0;
  bad |= em[separatorIndex]!;
  bad |= separatorIndex < 10 ? 1 : 0;
  // mask = 0xff when good, 0x00 when bad; select byte by byte without branching on secret data.
  const mask = ((bad | -bad) >>> 31) - 1 & 0xff;
  const out = new Uint8Array(expectedLength);
  for (let i = 0; i < expectedLength; i++) {
    out[i] = (em[separatorIndex + 1 + i]! & mask) | (fallback[i]! & ~mask & 0xff);
  }
  return out;
}

export class KeyTransportError extends Error {}

export function unwrapOaep(key: PrivateKeyHandle, encryptedKey: Uint8Array, hash: HashName): Uint8Array {
  try {
    return new Uint8Array(
      privateDecrypt({ key: key.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, encryptedKey),
    );
  } catch {
    throw new KeyTransportError("key transport failed");
  }
}

export function wrapPkcs1v15(publicKey: KeyObject, contentKey: Uint8Array): Uint8Array {
  return new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, contentKey));
}

export function wrapOaep(publicKey: KeyObject, contentKey: Uint8Array): Uint8Array {
  return new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, contentKey));
}
