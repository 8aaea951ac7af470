// Secrets derived from a private key we already hold (RFC 5869 HKDF-SHA256 over the key's PKCS#8
// DER, the label as info), for purposes that need a per-deployment secret no one has to configure:
// e.g. the implicit-rejection key of RSA key transport (draft-irtf-cfrg-rsa-guidance derives its
// key-derivation key from the private key in the same spirit). A distinct label per purpose keeps
// the secrets independent (RFC 5869 §3.2).
import { hkdfSync, type KeyObject } from "node:crypto";
import type { PrivateKeyHandle } from "./keys";

// Per KeyObject (a key is imported once per isolate), per label and length: one HKDF per isolate.
const cache = new WeakMap<KeyObject, Map<string, Uint8Array>>();

/** `length` bytes derived from `key` for the purpose named by `label`. Returns a fresh copy. */
export function derivedSecret(key: PrivateKeyHandle, label: string, length = 32): Uint8Array {
  const perKey = cache.get(key.key) ?? new Map<string, Uint8Array>();
  cache.set(key.key, perKey);
  const slot = `${length}:${label}`;
  let secret = perKey.get(slot);
  if (!secret) {
    const pkcs8 = key.key.export({ type: "pkcs8", format: "der" });
    // RFC 5869 §3.1: the salt is optional (HashLen zero bytes); the private key is the secret input.
    secret = new Uint8Array(hkdfSync("sha256", pkcs8, new Uint8Array(0), label, length));
    perKey.set(slot, secret);
  }
  return secret.slice();
}
