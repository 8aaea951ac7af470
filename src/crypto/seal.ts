// Sealing small records at rest under a key derived from the CA key (AES-256-GCM): what must be
// kept but never readable from storage alone, such as the original CSR of an Intune request that
// waits for approval (docs/security.md, "No challenge at rest").
import { createCipheriv, createDecipheriv } from "node:crypto";
import { concatBytes } from "../util/bytes";
import { derivedSecret } from "./derived-secret";
import type { PrivateKeyHandle } from "./keys";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** version (1) || iv (12) || ciphertext || tag (16); `label` names the purpose and is authenticated. */
export function seal(key: PrivateKeyHandle, label: string, plaintext: Uint8Array, randomBytes: (n: number) => Uint8Array): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", derivedSecret(key, `seal:${label}`), iv);
  cipher.setAAD(new TextEncoder().encode(label));
  const body = concatBytes(new Uint8Array(cipher.update(plaintext)), new Uint8Array(cipher.final()));
  return concatBytes(new Uint8Array([VERSION]), iv, body, new Uint8Array(cipher.getAuthTag()));
}

/** The plaintext, or undefined for anything this key did not seal under this label. */
export function open(key: PrivateKeyHandle, label: string, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) return undefined;
  try {
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", derivedSecret(key, `seal:${label}`), iv);
    decipher.setAAD(new TextEncoder().encode(label));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return concatBytes(new Uint8Array(decipher.update(sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES))), new Uint8Array(decipher.final()));
  } catch {
    return undefined;
  }
}
