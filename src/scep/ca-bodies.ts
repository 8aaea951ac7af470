// Bodies of the unauthenticated operations (RFC 8894 §3.5, §4.2, §4.7). Computed once per isolate.
import type { CertRef } from "../x509/cert-ref";
import { buildCertsOnly, buildSignedData, type SignerIdentity } from "./signed-data";

export const CONTENT_TYPE = {
  caps: "text/plain",
  caCert: "application/x-x509-ca-cert",
  caRaCert: "application/x-x509-ca-ra-cert",
  nextCaCert: "application/x-x509-next-ca-cert",
  pkiMessage: "application/x-pki-message",
} as const;

/**
 * GetCACaps keywords, one per line. Old clients only honour the individual keywords (Apple does not
 * interpret SCEPStandard), so AES, POSTPKIOperation and SHA-256 are listed even though
 * SCEPStandard implies them. Under 1024 bytes: certmonger rejects longer bodies.
 */
export function capabilitiesBody(options: { nextCa: boolean }): string {
  const caps = ["AES", "DES3", "POSTPKIOperation", "Renewal", "SHA-1", "SHA-256", "SHA-512", "SCEPStandard"];
  if (options.nextCa) caps.push("GetNextCACert");
  return caps.join("\n") + "\n";
}

export interface CaCertBody {
  contentType: string;
  body: Uint8Array;
}

/**
 * A lone CA is a DER certificate; with an RA or a chain, a degenerate certs-only PKCS#7 with the
 * RA first, then the CA and its chain (RFC 8894 §4.2.1.2; certmonger and jscep take the first
 * non-CA certificate as the RA).
 */
export function caCertBody(input: { raDer?: Uint8Array; caDer: Uint8Array; chainDers: Uint8Array[] }): CaCertBody {
  if (!input.raDer && input.chainDers.length === 0) return { contentType: CONTENT_TYPE.caCert, body: input.caDer };
  const certs = [...(input.raDer ? [input.raDer] : []), input.caDer, ...input.chainDers];
  return { contentType: CONTENT_TYPE.caRaCert, body: buildCertsOnly(certs) };
}

/** GetNextCACert (§4.7): the rollover certificate(s) in a SignedData signed by the current CA. */
export function nextCaCertBody(input: { nextCaDer: Uint8Array; raDer?: Uint8Array; signer: SignerIdentity; certificates: CertRef[] }): CaCertBody {
  const payload = buildCertsOnly([...(input.raDer ? [input.raDer] : []), input.nextCaDer]);
  const body = buildSignedData({
    content: payload,
    attributes: [],
    signer: input.signer,
    hash: "sha256",
    certificates: input.certificates,
  });
  return { contentType: CONTENT_TYPE.nextCaCert, body };
}
