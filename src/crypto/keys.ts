// Key import for the CA/RA keys and for public keys found in certificates and CSRs.
// node:crypto KeyObjects serve every private-key operation (RSA unwrap, RSA/ECDSA signing) in
// workerd and in Node alike, so a key is parsed once per isolate and reused.
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { bytesEqual } from "../util/bytes";

export type KeyAlgorithm = "rsa" | "ec";

export interface PrivateKeyHandle {
  key: KeyObject;
  algorithm: KeyAlgorithm;
  /** RSA modulus length in bits, or the EC field size (256, 384). */
  bits: number;
  /** Named curve for EC keys ("prime256v1", "secp384r1"). */
  curve?: string;
}

export class KeyImportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyImportError";
  }
}

/** Imports a PKCS#8 (or PKCS#1 / SEC1) PEM private key. Throws KeyImportError without echoing the key. */
export function importPrivateKeyPem(pem: string): PrivateKeyHandle {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem.replace(/\\n/g, "\n"), format: "pem" });
  } catch (e) {
    throw new KeyImportError("not a readable unencrypted PEM private key", { cause: e });
  }
  return describePrivateKey(key);
}

function describePrivateKey(key: KeyObject): PrivateKeyHandle {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === "rsa") return { key, algorithm: "rsa", bits: details.modulusLength ?? 0 };
  if (type === "ec") {
    const curve = details.namedCurve ?? "";
    const bits = curve === "prime256v1" ? 256 : curve === "secp384r1" ? 384 : curve === "secp521r1" ? 521 : 0;
    return { key, algorithm: "ec", bits, curve };
  }
  throw new KeyImportError(`unsupported key type ${type ?? "unknown"} (use RSA or EC P-256/P-384)`);
}

/** A public key from DER SubjectPublicKeyInfo (as found in certificates and CSRs). */
export function publicKeyFromSpki(spkiDer: Uint8Array): KeyObject {
  // A Buffer view of the same bytes, not a copy.
  return createPublicKey({ key: Buffer.from(spkiDer.buffer, spkiDer.byteOffset, spkiDer.byteLength), format: "der", type: "spki" });
}

export function spkiOfPrivateKey(handle: PrivateKeyHandle): Uint8Array {
  return new Uint8Array(createPublicKey(handle.key).export({ type: "spki", format: "der" }));
}

/** True when the private key belongs to the certificate whose SubjectPublicKeyInfo is given. */
export function privateKeyMatchesSpki(handle: PrivateKeyHandle, spkiDer: Uint8Array): boolean {
  const ours = spkiOfPrivateKey(handle);
  if (bytesEqual(ours, spkiDer)) return true;
  // Some encoders differ in optional parameters (e.g. an RSA NULL); compare the parsed JWK instead.
  try {
    const a = createPublicKey(handle.key).export({ format: "jwk" });
    const b = publicKeyFromSpki(spkiDer).export({ format: "jwk" });
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}
