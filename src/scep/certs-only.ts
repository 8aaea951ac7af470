// Reading a degenerate certs-only SignedData (RFC 8894 §3.4): GetCACert bodies and CertRep payloads.
import { berToDer } from "../asn1/ber";
import { children, DerError, readTlv, slice, TAG } from "../asn1/der";
import { readOidTlv } from "../asn1/oid";
import { OID } from "../asn1/oids";

export interface CertsOnly {
  /** DER of each certificate, in the order sent (the issued certificate first in a CertRep). */
  certificates: Uint8Array[];
  crls: Uint8Array[];
}

/**
 * ContentInfo { signedData, [0] SignedData { version, digestAlgorithms, encapContentInfo,
 * [0] IMPLICIT certificates OPTIONAL, [1] IMPLICIT crls OPTIONAL, signerInfos } } (RFC 5652 §5.1),
 * BER accepted. Only plain certificates and CRLs are kept (other CertificateChoices are tagged).
 * Throws DerError when the structure is not that.
 */
export function parseCertsOnly(input: Uint8Array): CertsOnly {
  const der = berToDer(input);
  const outer = readTlv(der, 0);
  if (outer.tag !== TAG.SEQUENCE) throw new DerError("certs-only: not a ContentInfo");
  const [type, wrapper] = children(der, outer);
  if (readOidTlv(der, type, "certs-only contentType") !== OID.signedData || wrapper?.tag !== 0xa0) throw new DerError("certs-only: not SignedData");
  const signedData = children(der, wrapper)[0];
  if (signedData?.tag !== TAG.SEQUENCE) throw new DerError("certs-only: malformed SignedData");
  const fields = children(der, signedData);
  const listed = (tag: number) => {
    const field = fields.find((f) => f.tag === tag);
    return field
      ? children(der, field)
          .filter((c) => c.tag === TAG.SEQUENCE)
          .map((c) => slice(der, c).slice())
      : [];
  };
  return { certificates: listed(0xa0), crls: listed(0xa1) };
}
