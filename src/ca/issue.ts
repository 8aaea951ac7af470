// End-entity issuance for SCEP enrolments: the certificate profile applied to a verified CSR.
import type { HashName } from "../scep/oids";
import { OID } from "../scep/oids";
import type { CaMaterial } from "./ca-material";
import type { ParsedCsr } from "./csr";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  caIssuersExtension,
  crlDistributionPointsExtension,
  extKeyUsageExtension,
  keyIdentifierOfSpki,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
  wholeSeconds,
  type KeyUsageName,
} from "./profile";
import { serialToHex } from "./serial";
import { fingerprintHex, signCertificate } from "./sign-cert";

export interface IssueInput {
  csr: ParsedCsr;
  ca: CaMaterial;
  serial: Uint8Array;
  now: Date;
  validityDays: number;
  /** notBefore = now - backdateSeconds: Apple Autopilot and other devices with skewed clocks. */
  backdateSeconds: number;
  hash?: HashName;
  crlUrl?: string;
  caIssuersUrl?: string;
}

export interface IssuedCertificate {
  der: Uint8Array;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  subjectText: string;
  sha1Hex: string;
  sha256Hex: string;
}

const DAY_MS = 86_400_000;
const EMPTY_NAME_DER_LENGTH = 2; // SEQUENCE {} = 30 00

/** notBefore/notAfter in whole seconds; notAfter never outlives the issuing CA (RFC 5280 §6 path validation). */
export function validityWindow(now: Date, validityDays: number, backdateSeconds: number, caNotAfter: Date) {
  const notBefore = wholeSeconds(new Date(now.getTime() - backdateSeconds * 1000));
  const wanted = wholeSeconds(new Date(now.getTime() + validityDays * DAY_MS));
  const notAfter = wanted > caNotAfter ? wholeSeconds(caNotAfter) : wanted;
  return { notBefore, notAfter };
}

/**
 * KeyUsage for the enrolled key: digitalSignature + keyEncipherment for RSA (TLS RSA key transport,
 * S/MIME, Wi-Fi EAP-TLS profiles); digitalSignature only for EC, where key encipherment has no meaning.
 */
function keyUsageFor(csr: ParsedCsr): KeyUsageName[] {
  return csr.key.algorithm === "ec" ? ["digitalSignature"] : ["digitalSignature", "keyEncipherment"];
}

/** The CA cannot issue at all (its certificate expired): a server condition, not a bad request. */
export class CaExpiredError extends Error {}

export function issueCertificate(input: IssueInput): IssuedCertificate {
  const { csr, ca } = input;
  const hash = input.hash ?? "sha256";
  const { notBefore, notAfter } = validityWindow(input.now, input.validityDays, input.backdateSeconds, ca.caCert.notAfter.value);
  if (notAfter <= notBefore) throw new CaExpiredError("the CA certificate has expired: no validity window left to issue in");

  const extensions: Uint8Array[] = [
    basicConstraintsExtension(false),
    keyUsageExtension(keyUsageFor(csr)),
    extKeyUsageExtension([OID.clientAuth]),
    subjectKeyIdentifierExtension(keyIdentifierOfSpki(csr.spkiDer)),
    authorityKeyIdentifierExtension(ca.caSubjectKeyId),
  ];
  if (csr.subjectAltNameDer) {
    // RFC 5280 §4.2.1.6: with an empty subject the SAN carries the identity and must be critical.
    const emptySubject = csr.subjectDer.length <= EMPTY_NAME_DER_LENGTH;
    extensions.push(subjectAltNameExtension(csr.subjectAltNameDer, emptySubject || csr.subjectAltNameCritical === true));
  }
  if (input.crlUrl) extensions.push(crlDistributionPointsExtension(input.crlUrl));
  if (input.caIssuersUrl) extensions.push(caIssuersExtension(input.caIssuersUrl));

  const der = signCertificate({
    serial: input.serial,
    issuerDer: ca.caSubjectDer, // byte-exact from CA_CERT (RFC 5280 §7.1 name chaining)
    subjectDer: csr.subjectDer, // byte-exact from the CSR
    spkiDer: csr.spkiDer,
    notBefore,
    notAfter,
    extensions,
    signer: ca.caKey,
    hash,
  });
  return {
    der,
    serialHex: serialToHex(input.serial),
    notBefore,
    notAfter,
    subjectText: csr.subjectText,
    sha1Hex: fingerprintHex(der, "sha1"),
    sha256Hex: fingerprintHex(der, "sha256"),
  };
}
