// No challenge at rest (docs/security.md): the ledger keeps a request's CSR for approvals, audits
// and Intune notifications, but never the challengePassword it carried. The CSR was verified on
// receipt; the stored copy keeps the original signature bytes, which no longer cover the redacted
// CertificationRequestInfo (RFC 2986 §4) and are kept only as a record.
import { children, content, readTlv, slice, TAG, tlv } from "../asn1/der";
import { decodeOid } from "../asn1/oid";
import { OID } from "../asn1/oids";

const ATTRIBUTES_TAG = 0xa0; // attributes [0] IMPLICIT SET OF Attribute

/**
 * The CSR with its challengePassword attribute removed, or undefined when it has none (or is not
 * a DER CertificationRequest; callers store what they verified, so that only happens to rows
 * written by older versions, which are then left as they are).
 */
export function stripChallengePassword(csrDer: Uint8Array): Uint8Array | undefined {
  try {
    const outer = readTlv(csrDer, 0);
    const [cri, signatureAlgorithm, signature] = children(csrDer, outer);
    if (!cri || !signatureAlgorithm || !signature) return undefined;
    const fields = children(csrDer, cri);
    const attributes = fields.find((f) => f.tag === ATTRIBUTES_TAG);
    if (!attributes) return undefined;
    const kept = children(csrDer, attributes).filter((attr) => {
      const type = children(csrDer, attr)[0];
      return !(type?.tag === TAG.OID && decodeOid(content(csrDer, type)) === OID.challengePassword);
    });
    if (kept.length === children(csrDer, attributes).length) return undefined;
    const rebuiltFields = fields.map((f) => (f === attributes ? tlv(ATTRIBUTES_TAG, ...kept.map((a) => slice(csrDer, a))) : slice(csrDer, f)));
    return tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, ...rebuiltFields), slice(csrDer, signatureAlgorithm), slice(csrDer, signature));
  } catch {
    return undefined;
  }
}
