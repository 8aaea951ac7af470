// Certificates reach the SCEP code either as raw views (the server path) or as pkijs objects
// (tools and tests). These helpers give the few fields envelopes and signers need from either.
import * as pkijs from "pkijs";
import { parseCertView, stripLeadingZeros, type CertView } from "./cert-view";

export type CertRef = CertView | pkijs.Certificate | Uint8Array;

export function certView(cert: CertRef): CertView {
  if (cert instanceof Uint8Array) return parseCertView(cert);
  if (cert instanceof pkijs.Certificate) return parseCertView(new Uint8Array(cert.toSchema().toBER(false)));
  return cert;
}

/** IssuerAndSerialNumber (RFC 5652 §10.2.4) parts: the issuer Name and the serial INTEGER TLVs. */
export function issuerAndSerial(cert: CertRef): { issuerDer: Uint8Array; serialTlv: Uint8Array; serial: Uint8Array } {
  const view = certView(cert);
  return { issuerDer: view.issuerDer, serialTlv: view.serialTlv, serial: stripLeadingZeros(view.serial) };
}
