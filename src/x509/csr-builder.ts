// PKCS#10 CertificationRequest (RFC 2986 §4) written as DER: what the SCEP client library sends and
// what ca-bootstrap asks an external root to sign. The server only reads CSRs (src/ca/csr.ts).
import { derBitString, derInteger, derSetOf, TAG, tlv } from "../asn1/der";
import { oid } from "../asn1/oid";
import { OID } from "../asn1/oids";
import type { HashName } from "../crypto/algorithms";
import { spkiOfPrivateKey, type PrivateKeyHandle } from "../crypto/keys";
import { signatureAlgorithmDer, signBytes } from "../crypto/signature";

export interface CsrFields {
  key: PrivateKeyHandle;
  subjectDer: Uint8Array;
  /** challengePassword (PKCS#9, RFC 2985 §5.4.1) as a complete string TLV, e.g. a PrintableString. */
  challengeDer?: Uint8Array;
  /** DER Extension SEQUENCEs for the extensionRequest attribute (RFC 2985 §5.4.2). */
  extensions?: Uint8Array[];
  hash: HashName;
}

/** Attribute ::= SEQUENCE { type, values SET OF } with one value. */
function attribute(type: string, value: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, oid(type), tlv(TAG.SET, value));
}

export function buildCsr(f: CsrFields): Uint8Array {
  const attributes: Uint8Array[] = [];
  if (f.challengeDer) attributes.push(attribute(OID.challengePassword, f.challengeDer));
  if (f.extensions?.length) attributes.push(attribute(OID.extensionRequest, tlv(TAG.SEQUENCE, ...f.extensions)));
  // attributes [0] IMPLICIT SET OF Attribute: present even when empty (RFC 2986 §4.1).
  const attributesDer = derSetOf(attributes);
  attributesDer[0] = 0xa0;
  const info = tlv(TAG.SEQUENCE, derInteger(0), f.subjectDer, spkiOfPrivateKey(f.key), attributesDer);
  const signature = signBytes(f.key, f.hash, info);
  return tlv(TAG.SEQUENCE, info, signatureAlgorithmDer(f.key, f.hash), derBitString(signature));
}
