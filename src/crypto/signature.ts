// Signature creation and verification by algorithm OID (X.509, PKCS#10 and CMS signerInfos).
import { sign, verify, type KeyObject } from "node:crypto";
import { DER_NULL, TAG, tlv } from "../asn1/der";
import { oid } from "../asn1/oid";
import { OID } from "../asn1/oids";
import { DIGEST_OID_TO_HASH, ECDSA_SIGNATURE_OID, RSA_SIGNATURE_OID, SIGNATURE_OID_TO_HASH, type HashName } from "./algorithms";
import type { PrivateKeyHandle } from "./keys";

export interface AlgorithmId {
  oid: string;
  /** true: parameters are an explicit NULL (RSA); false: absent (ECDSA, RFC 5758). */
  nullParams: boolean;
}

export function signatureAlgorithmFor(key: PrivateKeyHandle, hash: HashName): AlgorithmId {
  return key.algorithm === "rsa" ? { oid: RSA_SIGNATURE_OID[hash], nullParams: true } : { oid: ECDSA_SIGNATURE_OID[hash], nullParams: false };
}

/** AlgorithmIdentifier DER: explicit NULL parameters for RSA (RFC 4055 §5), absent for ECDSA (RFC 5758 §3.2). */
export function signatureAlgorithmDer(key: PrivateKeyHandle, hash: HashName): Uint8Array {
  const alg = signatureAlgorithmFor(key, hash);
  return alg.nullParams ? tlv(TAG.SEQUENCE, oid(alg.oid), DER_NULL) : tlv(TAG.SEQUENCE, oid(alg.oid));
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
