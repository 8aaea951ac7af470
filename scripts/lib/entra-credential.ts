// The key pair and self-signed certificate an Entra app registration takes as a certificate
// credential (Certificates & secrets → Certificates → Upload). Entra reads only the public key and
// the validity from it; the Worker signs its client assertions with the key (src/intune/client-assertion.ts).
import { createHash, randomBytes } from "node:crypto";
import { OID } from "../../src/asn1/oids";
import { toPem } from "../../src/asn1/pem";
import { generateKeyPair } from "../../src/ca/ca-generate";
import { randomSerial } from "../../src/ca/serial";
import { importPrivateKeyPem } from "../../src/crypto/keys";
import { signCertificate } from "../../src/x509/cert-builder";
import {
  basicConstraintsExtension,
  extKeyUsageExtension,
  keyIdentifierOfSpki,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
} from "../../src/x509/extensions";
import { encodeName, simpleName } from "../../src/x509/name";
import { wholeSeconds } from "../../src/x509/time";

export interface EntraCredential {
  certPem: string;
  certDer: Uint8Array;
  keyPem: string;
  /** What Entra shows as the certificate's Thumbprint (SHA-1, uppercase hex). */
  thumbprintSha1: string;
  /** base64url SHA-256: the `x5t#S256` of the Worker's assertions. */
  x5tS256: string;
  notAfter: Date;
}

export function makeEntraCredential(input: { commonName: string; days: number; bits?: number; now?: Date }): EntraCredential {
  const now = input.now ?? new Date();
  const pair = generateKeyPair({ algorithm: "rsa", bits: input.bits ?? 2048 });
  const key = importPrivateKeyPem(pair.keyPem);
  const subjectDer = encodeName(simpleName({ commonName: input.commonName }));
  // A minute back, so a clock a little behind Entra's does not see it as not yet valid.
  const notBefore = wholeSeconds(new Date(now.getTime() - 60_000));
  const notAfter = wholeSeconds(new Date(now.getTime() + input.days * 86_400_000));
  const certDer = signCertificate({
    serial: randomSerial((n) => new Uint8Array(randomBytes(n))),
    issuerDer: subjectDer,
    subjectDer,
    spkiDer: pair.spkiDer,
    notBefore,
    notAfter,
    extensions: [
      basicConstraintsExtension(false),
      keyUsageExtension(["digitalSignature"]),
      extKeyUsageExtension([OID.clientAuth]),
      subjectKeyIdentifierExtension(keyIdentifierOfSpki(pair.spkiDer)),
    ],
    signer: key,
    hash: "sha256",
  });
  return {
    certPem: toPem("CERTIFICATE", certDer),
    certDer,
    keyPem: pair.keyPem,
    thumbprintSha1: createHash("sha1").update(certDer).digest("hex").toUpperCase(),
    x5tS256: createHash("sha256").update(certDer).digest("base64url"),
    notAfter,
  };
}
