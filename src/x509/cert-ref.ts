// Certificates reach the SCEP code as DER or as views of it (src/x509/cert-view.ts): these give
// the few fields envelopes and signers need from either.
import { stripLeadingZeros } from "../asn1/der";
import { parseCertView, type CertView } from "./cert-view";

export type CertRef = CertView | Uint8Array;

export function certView(cert: CertRef): CertView {
  return cert instanceof Uint8Array ? parseCertView(cert) : cert;
}

export function certDer(cert: CertRef): Uint8Array {
  return cert instanceof Uint8Array ? cert : cert.der;
}

/** IssuerAndSerialNumber (RFC 5652 §10.2.4) parts: the issuer Name and the serial INTEGER TLVs. */
export function issuerAndSerial(cert: CertRef): { issuerDer: Uint8Array; serialTlv: Uint8Array; serial: Uint8Array } {
  const view = certView(cert);
  return { issuerDer: view.issuerDer, serialTlv: view.serialTlv, serial: stripLeadingZeros(view.serial) };
}
