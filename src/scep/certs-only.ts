// Reading a degenerate certs-only SignedData (RFC 8894 §3.4): GetCACert bodies and CertRep payloads.
import * as pkijs from "pkijs";
import { certificateDer, decodeAs, encodeDer, parseBer } from "./asn1";
import { OID } from "./oids";

export interface CertsOnly {
  certificates: Uint8Array[];
  crls: Uint8Array[];
}

export function parseCertsOnly(der: Uint8Array): CertsOnly {
  const signedData = decodeAs("certs-only SignedData", () => {
    const info = new pkijs.ContentInfo({ schema: parseBer(der, "certs-only") });
    if (info.contentType !== OID.signedData) throw new Error("not SignedData");
    return new pkijs.SignedData({ schema: info.content });
  });
  const certificates = (signedData.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map(certificateDer);
  const crls = (signedData.crls ?? [])
    .filter((c): c is pkijs.CertificateRevocationList => c instanceof pkijs.CertificateRevocationList)
    .map((c) => encodeDer(c.toSchema()));
  return { certificates, crls };
}
