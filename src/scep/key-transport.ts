// RSA key transport for KeyTransRecipientInfo (RFC 5652 §6.2.1): PKCS#1 v1.5 (what every SCEP client
// sends) and RSAES-OAEP (some Windows builds).
import { constants, createHmac, privateDecrypt, publicEncrypt, type KeyObject } from "node:crypto";
import { derivedSecret } from "../crypto/derived-secret";
import type { PrivateKeyHandle } from "../crypto/keys";
import type { HashName } from "../crypto/algorithms";

const IMPLICIT_REJECTION_LABEL = "edge-scep: RSA key transport implicit rejection v1";

/**
 * The content key a failed RSA unwrap continues with (implicit rejection as in
 * draft-irtf-cfrg-rsa-guidance and OpenSSL 3.2): a function of the ciphertext and the expected length
 * under a secret derived from the private key, so the same ciphertext always gets the same answer and
 * an attacker without the key cannot predict it. K = HMAC-SHA256(secret, uint16(length) || ciphertext), expanded to
 * `length` bytes as in HKDF-Expand (RFC 5869 §2.3, empty info).
 */
export function implicitRejectionKey(key: PrivateKeyHandle, encryptedKey: Uint8Array, length: number): Uint8Array {
  const secret = derivedSecret(key, IMPLICIT_REJECTION_LABEL);
  const prk = createHmac("sha256", secret)
    .update(Uint8Array.of(length >>> 8, length & 0xff))
    .update(encryptedKey)
    .digest();
  const out = new Uint8Array(length);
  let block: Uint8Array = new Uint8Array(0);
  for (let at = 0, i = 1; at < length; at += 32, i++) {
    block = createHmac("sha256", prk).update(block).update(Uint8Array.of(i)).digest();
    out.set(block.subarray(0, Math.min(32, length - at)), at);
  }
  return out;
}

/**
 * PKCS#1 v1.5 unwrap with implicit rejection (RFC 8017 §7.2.2 note, draft-irtf-cfrg-rsa-guidance):
 * the raw RSA result is checked without early exits and, when the padding is wrong or the key has
 * an unexpected length, implicitRejectionKey() of the expected length is returned instead. The caller
 * then fails exactly as it would with a wrong key, and the same way every time, so the endpoint is no
 * Bleichenbacher oracle. (node:crypto's RSA_PKCS1_PADDING decrypt is refused by Node >= 20 for this reason.)
 */
export function unwrapPkcs1v15(key: PrivateKeyHandle, encryptedKey: Uint8Array, expectedLength: number): Uint8Array {
  // Computed for every ciphertext, good or bad: no timing branch on the padding check.
  const fallback = implicitRejectionKey(key, encryptedKey, expectedLength);
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
  const mask = (((bad | -bad) >>> 31) - 1) & 0xff;
  const out = new Uint8Array(expectedLength);
  for (let i = 0; i < expectedLength; i++) {
    out[i] = (em[separatorIndex + 1 + i]! & mask) | (fallback[i]! & ~mask & 0xff);
  }
  return out;
}

export class KeyTransportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyTransportError";
  }
}

export function unwrapOaep(key: PrivateKeyHandle, encryptedKey: Uint8Array, hash: HashName): Uint8Array {
  try {
    return new Uint8Array(privateDecrypt({ key: key.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, encryptedKey));
  } catch (e) {
    throw new KeyTransportError("key transport failed", { cause: e });
  }
}

/** RSAES-OAEP unwrap that fails like PKCS#1 v1.5 above: implicitRejectionKey() on any failure. */
export function unwrapOaepImplicit(key: PrivateKeyHandle, encryptedKey: Uint8Array, hash: HashName, expectedLength: number): Uint8Array {
  const fallback = implicitRejectionKey(key, encryptedKey, expectedLength);
  try {
    const k = unwrapOaep(key, encryptedKey, hash);
    return k.length === expectedLength ? k : fallback;
  } catch {
    return fallback;
  }
}

export function wrapPkcs1v15(publicKey: KeyObject, contentKey: Uint8Array): Uint8Array {
  return new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, contentKey));
}

export function wrapOaep(publicKey: KeyObject, contentKey: Uint8Array): Uint8Array {
  return new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, contentKey));
}
