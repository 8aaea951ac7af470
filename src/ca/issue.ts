// End-entity issuance for SCEP enrolments: the certificate profile applied to a verified CSR.
import { OID } from "../asn1/oids";
import type { HashName } from "../crypto/algorithms";
import { fingerprintHex, signCertificate } from "../x509/cert-builder";
import type { CaMaterial } from "./ca-material";
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  extensionDer,
  extKeyUsageExtension,
  keyIdentifierOfSpki,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "../x509/extensions";
import { wholeSeconds } from "../x509/time";
import type { CertificateProfile } from "./profiles";
import { periodEnd, profileUsage, type IssuedUsage, type ValidityPeriod } from "./requested-usage";
import { serialToHex } from "./serial";

export interface IssueInput {
  /** The requested key (from the verified CSR). */
  key: { spkiDer: Uint8Array; algorithm: "rsa" | "ec" | "other" };
  /** Subject and SANs after the name policy, re-encoded (src/ca/name-policy.ts). */
  names: IssuedNames;
  profile: CertificateProfile;
  /** What the certificate is for and how long, when a request was honoured (src/ca/requested-usage.ts); else the profile's. */
  usage?: IssuedUsage;
  ca: CaMaterial;
  serial: Uint8Array;
  now: Date;
  hash?: HashName;
  crlUrl?: string;
  caIssuersUrl?: string;
  /** RFC 6960 §3.1: where relying parties ask this CA's OCSP responder. */
  ocspUrl?: string;
}

export interface IssuedNames {
  subjectDer: Uint8Array;
  subjectText: string;
  /** GeneralNames DER, re-encoded from the parsed names. */
  subjectAltNameDer?: Uint8Array;
  subjectAltNameCritical: boolean;
  /** Microsoft SID extension value (KB5014754), when the name policy kept it. */
  sidExtensionDer?: Uint8Array;
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

/** notBefore/notAfter in whole seconds; notAfter never outlives the issuing CA (RFC 5280 §6 path validation). */
export function validityWindow(now: Date, validityDays: number, backdateSeconds: number, caNotAfter: Date) {
  return windowUntil(now, new Date(now.getTime() + validityDays * DAY_MS), backdateSeconds, caNotAfter);
}

function windowUntil(now: Date, wanted: Date, backdateSeconds: number, caNotAfter: Date) {
  const notBefore = wholeSeconds(new Date(now.getTime() - backdateSeconds * 1000));
  return { notBefore, notAfter: wholeSeconds(wanted > caNotAfter ? caNotAfter : wanted) };
}

/** An enrollment's window: the requested validity or the profile's, never past the profile's maximum. */
function enrollmentWindow(now: Date, profile: CertificateProfile, requested: ValidityPeriod | undefined, caNotAfter: Date) {
  const longest = new Date(now.getTime() + (profile.maxValidityDays ?? profile.validityDays) * DAY_MS);
  const wanted = requested ? periodEnd(now, requested) : new Date(now.getTime() + profile.validityDays * DAY_MS);
  return windowUntil(now, wanted > longest ? longest : wanted, profile.backdateSeconds, caNotAfter);
}

/** The CA cannot issue at all (its certificate expired): a server condition, not a bad request. */
export class CaExpiredError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CaExpiredError";
  }
}

export function issueCertificate(input: IssueInput): IssuedCertificate {
  const { names, ca, profile } = input;
  const hash = input.hash ?? "sha256";
  if (input.key.algorithm === "other") throw new TypeError("issueCertificate: the key policy admits RSA and EC keys only");
  const usage = input.usage ?? profileUsage(profile, input.key.algorithm);
  const { notBefore, notAfter } = enrollmentWindow(input.now, profile, usage.validity, ca.caCert.notAfter);
  if (notAfter <= notBefore) throw new CaExpiredError("the CA certificate has expired: no validity window left to issue in");

  const extensions: Uint8Array[] = [
    basicConstraintsExtension(false),
    keyUsageExtension(usage.keyUsage),
    extKeyUsageExtension(usage.extendedKeyUsage),
    subjectKeyIdentifierExtension(keyIdentifierOfSpki(input.key.spkiDer)),
    authorityKeyIdentifierExtension(ca.caSubjectKeyId),
  ];
  // RFC 5280 §4.2.1.6: with an empty subject the SAN carries the identity and must be critical.
  if (names.subjectAltNameDer) extensions.push(subjectAltNameExtension(names.subjectAltNameDer, names.subjectAltNameCritical));
  if (names.sidExtensionDer) extensions.push(extensionDer(OID.ntdsCaSecurity, false, names.sidExtensionDer));
  if (input.crlUrl) extensions.push(crlDistributionPointsExtension(input.crlUrl));
  if (input.caIssuersUrl || input.ocspUrl) extensions.push(authorityInfoAccessExtension({ ocsp: input.ocspUrl, caIssuers: input.caIssuersUrl }));

  const der = signCertificate({
    serial: input.serial,
    issuerDer: ca.caSubjectDer, // byte-exact from CA_CERT (RFC 5280 §7.1 name chaining)
    subjectDer: names.subjectDer, // re-encoded by the name policy: equal to the CSR's for well-formed DER
    spkiDer: input.key.spkiDer,
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
    subjectText: names.subjectText,
    sha1Hex: fingerprintHex(der, "sha1"),
    sha256Hex: fingerprintHex(der, "sha256"),
  };
}
