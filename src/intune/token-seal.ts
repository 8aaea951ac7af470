// Cached access tokens are credentials: in KV they are sealed with AES-256-GCM under a key derived
// with HKDF-SHA-256 (RFC 5869) from the app's own credential (the client secret, or the certificate's
// private key), salt and info naming tenant, client, scope and credential (kv-keys.ts). A rotated or
// changed credential, another tenant's entry or a tampered value simply fails to open.
import { decodeBase64, encodeBase64 } from "../asn1/base64";
import { certificateThumbprintS256 } from "./client-assertion";
import type { IntuneCredential } from "./credential";

export interface SealedToken {
  accessToken: string;
  /** Epoch ms after which the token must not be used (expires_in minus the margin). */
  usableUntil: number;
}

const encoder = new TextEncoder();

/** Key material only the deployment holds, and a label that changes with the credential. */
export async function credentialSealing(credential: IntuneCredential): Promise<{ secret: Uint8Array; id: string }> {
  if (credential.kind === "secret") return { secret: encoder.encode(credential.secret), id: "secret" };
  return { secret: credential.keyPkcs8Der, id: `certificate:${await certificateThumbprintS256(credential.certDer)}` };
}

export async function deriveSealingKey(secret: Uint8Array, salt: string, info: string): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode(salt), info: encoder.encode(info) },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** `aad` binds the ciphertext to its KV key, so an entry copied under another key does not open. */
export async function seal(key: CryptoKey, aad: string, token: SealedToken): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = encoder.encode(JSON.stringify({ t: token.accessToken, u: token.usableUntil }));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, key, plaintext));
  return JSON.stringify({ v: 1, iv: encodeBase64(iv), ct: encodeBase64(ct) });
}

/** undefined for anything that is not a value we sealed with this key (treated as a cache miss). */
export async function open(key: CryptoKey, aad: string, stored: string): Promise<SealedToken | undefined> {
  try {
    const box = JSON.parse(stored) as { v?: unknown; iv?: unknown; ct?: unknown };
    if (box.v !== 1 || typeof box.iv !== "string" || typeof box.ct !== "string") return undefined;
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: decodeBase64(box.iv), additionalData: encoder.encode(aad) },
      key,
      decodeBase64(box.ct),
    );
    const parsed = JSON.parse(new TextDecoder().decode(plain)) as { t?: unknown; u?: unknown };
    if (typeof parsed.t !== "string" || typeof parsed.u !== "number") return undefined;
    return { accessToken: parsed.t, usableUntil: parsed.u };
  } catch {
    return undefined;
  }
}
