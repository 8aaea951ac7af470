// Which CA a CertID names (RFC 6960 §4.1.1): issuerNameHash is the hash of the issuer's DER
// subject, issuerKeyHash the hash of its subjectPublicKey BIT STRING value. Both are computed
// once per CA and hash, so matching a request is a few byte comparisons.
import { children, content, readTlv, TAG } from "../asn1/der";
import type { HashName } from "../crypto/algorithms";
import { digest } from "../crypto/digest";
import { bytesEqual } from "../util/bytes";
import type { CertId } from "./request";

export interface IssuerHashes {
  name: Record<HashName, Uint8Array>;
  key: Record<HashName, Uint8Array>;
}

const HASHES: readonly HashName[] = ["sha1", "sha256", "sha384", "sha512"];

/** The subjectPublicKey BIT STRING contents without the unused-bits octet (§4.1.1, KeyHash of §4.2.1). */
export function subjectPublicKeyBits(spkiDer: Uint8Array): Uint8Array {
  const bits = children(spkiDer, readTlv(spkiDer, 0))[1];
  if (!bits || bits.tag !== TAG.BIT_STRING) throw new Error("SubjectPublicKeyInfo without a BIT STRING");
  return content(spkiDer, bits).subarray(1);
}

export function issuerHashes(subjectDer: Uint8Array, spkiDer: Uint8Array): IssuerHashes {
  const keyBits = subjectPublicKeyBits(spkiDer);
  const name = {} as Record<HashName, Uint8Array>;
  const key = {} as Record<HashName, Uint8Array>;
  for (const h of HASHES) {
    name[h] = digest(h, subjectDer);
    key[h] = digest(h, keyBits);
  }
  return { name, key };
}

/** Both hashes must match: the name alone is not unique across a re-key, the key alone is not what §4.1.1 asks. */
export function namesIssuer(certId: CertId, issuer: IssuerHashes): boolean {
  return bytesEqual(certId.issuerKeyHash, issuer.key[certId.hash]) && bytesEqual(certId.issuerNameHash, issuer.name[certId.hash]);
}
