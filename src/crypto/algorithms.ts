// Digest and signature algorithms by OID (RFC 5754, RFC 8017 Appendix A.2.4, RFC 5758 §3.2): the
// one table mapping between the names node:crypto takes and the OIDs structures carry.
import { OID } from "../asn1/oids";

export type HashName = "sha1" | "sha256" | "sha384" | "sha512";

export const DIGEST_OID_TO_HASH: Readonly<Record<string, HashName>> = {
  [OID.sha1]: "sha1",
  [OID.sha256]: "sha256",
  [OID.sha384]: "sha384",
  [OID.sha512]: "sha512",
};

export const HASH_TO_DIGEST_OID: Readonly<Record<HashName, string>> = {
  sha1: OID.sha1,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
};

export const RSA_SIGNATURE_OID: Readonly<Record<HashName, string>> = {
  sha1: OID.sha1WithRSA,
  sha256: OID.sha256WithRSA,
  sha384: OID.sha384WithRSA,
  sha512: OID.sha512WithRSA,
};

export const ECDSA_SIGNATURE_OID: Readonly<Record<HashName, string>> = {
  sha1: OID.ecdsaWithSHA1,
  sha256: OID.ecdsaWithSHA256,
  sha384: OID.ecdsaWithSHA384,
  sha512: OID.ecdsaWithSHA512,
};

export const SIGNATURE_OID_TO_HASH: Readonly<Record<string, HashName>> = {
  ...Object.fromEntries(Object.entries(RSA_SIGNATURE_OID).map(([hash, oid]) => [oid, hash as HashName])),
  ...Object.fromEntries(Object.entries(ECDSA_SIGNATURE_OID).map(([hash, oid]) => [oid, hash as HashName])),
};
