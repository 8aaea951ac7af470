// Content-encryption ciphers of the pkcsPKIEnvelope (RFC 8894 §3.2.2, §3.5.2 capabilities).
import { createCipheriv, createDecipheriv } from "node:crypto";
import { concatBytes } from "../util/bytes";
import { OID } from "../asn1/oids";

export type ContentCipherName = "aes-128-cbc" | "aes-192-cbc" | "aes-256-cbc" | "des-ede3-cbc" | "des-cbc";

interface CipherSpec {
  name: ContentCipherName;
  oid: string;
  keyLength: number;
  ivLength: number;
}

const SPECS: CipherSpec[] = [
  { name: "aes-128-cbc", oid: OID.aes128Cbc, keyLength: 16, ivLength: 16 },
  { name: "aes-192-cbc", oid: OID.aes192Cbc, keyLength: 24, ivLength: 16 },
  { name: "aes-256-cbc", oid: OID.aes256Cbc, keyLength: 32, ivLength: 16 },
  { name: "des-ede3-cbc", oid: OID.desEde3Cbc, keyLength: 24, ivLength: 8 },
  // Single DES: RFC 8894 §3.5.2 forbids it; micromdm scepclient 2.1.0 sends nothing else.
  { name: "des-cbc", oid: OID.desCbc, keyLength: 8, ivLength: 8 },
];

export function cipherByOid(oid: string): CipherSpec | undefined {
  return SPECS.find((s) => s.oid === oid);
}

export function cipherByName(name: ContentCipherName): CipherSpec {
  return SPECS.find((s) => s.name === name)!;
}

/**
 * Node (OpenSSL 3) only offers des-cbc through the legacy provider; 3DES with K1=K2=K3 is the
 * same permutation, so single DES runs as des-ede3-cbc with the key repeated three times.
 */
function engineParams(spec: CipherSpec, key: Uint8Array): { algorithm: string; key: Uint8Array } {
  if (spec.name === "des-cbc") return { algorithm: "des-ede3-cbc", key: concatBytes(key, key, key) };
  return { algorithm: spec.name, key };
}

class CipherError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CipherError";
  }
}

/** CBC with PKCS#7 padding. Throws CipherError on a wrong key or IV length or a padding failure. */
export function decryptContent(spec: CipherSpec, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length !== spec.keyLength || iv.length !== spec.ivLength) throw new CipherError("bad key or iv length");
  const p = engineParams(spec, key);
  try {
    const d = createDecipheriv(p.algorithm, p.key, iv);
    return concatBytes(new Uint8Array(d.update(data)), new Uint8Array(d.final()));
  } catch (e) {
    throw new CipherError("content decryption failed", { cause: e });
  }
}

export function encryptContent(spec: CipherSpec, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const p = engineParams(spec, key);
  const c = createCipheriv(p.algorithm, p.key, iv);
  return concatBytes(new Uint8Array(c.update(data)), new Uint8Array(c.final()));
}
