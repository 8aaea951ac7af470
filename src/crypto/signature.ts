// Signature creation and verification by algorithm OID (X.509, PKCS#10 and CMS signerInfos).
import { sign, verify, type KeyObject } from "node:crypto";
import { OID, type HashName, DIGEST_OID_TO_HASH } from "../scep/oids";
import type { PrivateKeyHandle } from "./keys";

export interface AlgorithmId {
  oid: string;
  /** true: parameters are an explicit NULL (RSA); false: absent (ECDSA, RFC 5758). */
  nullParams: boolean;
}

const SIGNATURE_OID_TO_HASH: Record<string, HashName> = {
  [OID.sha1WithRSA]: "sha1",
  [OID.sha256WithRSA]: "sha256",
  [OID.sha384WithRSA]: "sha384",
  [OID.sha512WithRSA]: "sha512",
  [OID.ecdsaWithSHA1]: "sha1",
  [OID.ecdsaWithSHA256]: "sha256",
  [OID.ecdsaWithSHA384]: "sha384",
  [OID.ecdsaWithSHA512]: "sha512",
};

const RSA_SIGNATURE_OID: Record<HashName, string> = {
  sha1: OID.sha1WithRSA,
  sha256: OID.sha256WithRSA,
  sha384: OID.sha384WithRSA,
  sha512: OID.sha512WithRSA,
};

const ECDSA_SIGNATURE_OID: Record<HashName, string> = {
  sha1: OID.ecdsaWithSHA1,
  sha256: OID.ecdsaWithSHA256,
  sha384: OID.ecdsaWithSHA384,
  sha512: OID.ecdsaWithSHA512,
};

export function signatureAlgorithmFor(key: PrivateKeyHandle, hash: HashName): AlgorithmId {
  return key.algorithm === "rsa"
    ? { oid: RSA_SIGNATURE_OID[hash], nullParams: true }
    : { oid: ECDSA_SIGNATURE_OID[hash], nullParams: false };
}

/** RSASSA-PKCS1-v1_5 or ECDSA (DER-encoded Ecdsa-Sig-Value, as X.509 and CMS expect). */
export function signBytes(key: PrivateKeyHandle, hash: HashName, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign(hash, data, key.key));
}

/**
 * The hash a signature algorithm implies. CMS signerInfos may name plain rsaEncryption (scepclient,
 * certmonger) or ecPublicKey as the signature algorithm; the digest algorithm then decides.
 */
export function hashForSignature(signatureOid: string, digestOid?: string): HashName | undefined {
  const implied = SIGNATURE_OID_TO_HASH[signatureOid];
  if (implied) return implied;
  if ((signatureOid === OID.rsaEncryption || signatureOid === OID.ecPublicKey) && digestOid) {
    return DIGEST_OID_TO_HASH[digestOid];
  }
  return undefined;
}

export function verifyBytes(publicKey: KeyObject, hash: HashName, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(hash, data, publicKey, signature);
  } catch {
    return false;
  }
}
