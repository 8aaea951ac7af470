// The delegated OCSP responder certificate (RFC 6960 §4.2.2.2): issued directly by the CA it
// answers for, with id-kp-OCSPSigning, and id-pkix-ocsp-nocheck so relying parties need not ask
// about the responder itself (§4.2.2.2.1). nocheck means a leaked responder key cannot be revoked
// in practice, so the certificate lives a few days and the Worker replaces it by itself.
import type { CaMaterial } from "../ca/ca-material";
import { CaExpiredError, validityWindow } from "../ca/issue";
import { serialToHex } from "../ca/serial";
import { OID } from "../asn1/oids";
import { fingerprintHex, signCertificate } from "../x509/cert-builder";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extKeyUsageExtension,
  keyIdentifierOfSpki,
  keyUsageExtension,
  ocspNoCheckExtension,
  subjectKeyIdentifierExtension,
} from "../x509/extensions";
import { encodeName, nameToText, simpleName } from "../x509/name";

export interface ResponderCertInput {
  ca: CaMaterial;
  /** Names the responder after its CA (the CA's key id), so operators can tell responders apart. */
  caKeyId: string;
  responderSpkiDer: Uint8Array;
  serial: Uint8Array;
  now: Date;
  validityDays: number;
  /** notBefore = now − this: device clocks run behind (the same reason issued certificates backdate). */
  backdateSeconds: number;
}

export interface ResponderCertificate {
  der: Uint8Array;
  serialHex: string;
  subjectText: string;
  notBefore: Date;
  notAfter: Date;
  sha1Hex: string;
  sha256Hex: string;
}

/** CN=OCSP Responder <ca key id>, a UTF8String (RFC 5280 §4.1.2.6), so operators can tell responders apart. */
function responderName(caKeyId: string) {
  return simpleName({ commonName: `OCSP Responder ${caKeyId}` });
}

export function issueResponderCertificate(input: ResponderCertInput): ResponderCertificate {
  const { ca } = input;
  const { notBefore, notAfter } = validityWindow(input.now, input.validityDays, input.backdateSeconds, ca.caCert.notAfter);
  if (notAfter <= input.now) throw new CaExpiredError("the CA certificate has expired: no responder certificate can outlive it");
  const der = signCertificate({
    serial: input.serial,
    issuerDer: ca.caSubjectDer, // issued directly by the CA (§4.2.2.2)
    subjectDer: encodeName(responderName(input.caKeyId)),
    spkiDer: input.responderSpkiDer,
    notBefore,
    notAfter,
    extensions: [
      basicConstraintsExtension(false),
      keyUsageExtension(["digitalSignature"]),
      extKeyUsageExtension([OID.ocspSigning]),
      ocspNoCheckExtension(),
      subjectKeyIdentifierExtension(keyIdentifierOfSpki(input.responderSpkiDer)),
      authorityKeyIdentifierExtension(ca.caSubjectKeyId),
    ],
    signer: ca.caKey,
    hash: "sha256",
  });
  return {
    der,
    serialHex: serialToHex(input.serial),
    subjectText: nameToText(responderName(input.caKeyId)),
    notBefore,
    notAfter,
    sha1Hex: fingerprintHex(der, "sha1"),
    sha256Hex: fingerprintHex(der, "sha256"),
  };
}
