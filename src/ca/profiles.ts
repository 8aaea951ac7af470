// Certificate profiles: what an issued certificate looks like (validity, key usages, extended key
// usages, backdating), which keys it accepts, and what a request may ask for within it, chosen per
// challenge kind and optionally per enrollment path (/scep/<profile>). CERT_PROFILES holds them as
// JSON (src/ca/profile-settings.ts); the built-in "default" is what the endpoint always issued: 365
// days (CERT_VALIDITY_DAYS), digitalSignature+keyEncipherment (RSA) or digitalSignature (EC),
// clientAuth, RSA 2048–8192 or EC P-256/P-384.
import type { KeyUsageName } from "../x509/extensions";
import { RSA_FLOOR_BITS } from "./csr";

export type ProfileKind = "static" | "one-time" | "intune";

/**
 * Whose requested key usages, extended key usages and validity a profile honours (within its
 * allow-lists): Intune-validated requests only, every request that reaches it, or none.
 */
export type HonourRequest = "intune" | "always" | "never";

export interface CertificateProfile {
  name: string;
  validityDays: number;
  backdateSeconds: number;
  /** Key usages for RSA keys; for EC keys the encipherment bits are dropped (RFC 5480 §3). */
  keyUsage: KeyUsageName[];
  /** Extended key usage OIDs, in order. */
  extendedKeyUsage: string[];
  rsaBits: { min: number; max: number };
  /** RSA keys under 2048 bits (down to the 1024-bit floor) only when this is set: they are weak. */
  allowWeakRsa1024: boolean;
  /** node:crypto curve names. */
  ecCurves: string[];
  /** Challenge kinds that may ask for this profile by its path; undefined = none (kind- and default profiles need none). */
  challengeKinds?: ProfileKind[];
  honourRequest: HonourRequest;
  /** Key usages an honoured request may ask for. */
  allowedKeyUsage: KeyUsageName[];
  /** Extended key usage OIDs an honoured request may ask for. */
  allowedExtendedKeyUsage: string[];
  /** The longest validity an honoured request gets; undefined: validityDays (a request may only shorten it). */
  maxValidityDays?: number;
}

/** RSA sizes under this are weak (NIST SP 800-131A: 1024-bit RSA disallowed for signatures since 2013). */
export const WEAK_RSA_BELOW = 2048;

/** Extended key usages by name (RFC 5280 §4.2.1.12, RFC 4945 §5.1.3.12, Microsoft). anyExtendedKeyUsage is never granted. */
export const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  ipsecEndSystem: "1.3.6.1.5.5.7.3.5",
  ipsecTunnel: "1.3.6.1.5.5.7.3.6",
  ipsecUser: "1.3.6.1.5.5.7.3.7",
  ipsecIKE: "1.3.6.1.5.5.7.3.17",
  // Microsoft's "IP security IKE intermediate" (szOID_IPSEC_KP_IKE_INTERMEDIATE), what Windows VPN profiles ask for.
  ipsecIKEIntermediate: "1.3.6.1.5.5.8.2.2",
  smartcardLogon: "1.3.6.1.4.1.311.20.2.2",
};

/** Never issued to an enrolled device, whatever a profile or a request says. */
export const REFUSED_EKUS: Readonly<Record<string, string>> = {
  "2.5.29.37.0": "anyExtendedKeyUsage",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
};

/** "1.3.6.1.5.5.7.3.6 (ipsecTunnel)", or the bare OID when it has no name here. */
export function ekuText(oid: string): string {
  const name = Object.entries(EXTENDED_KEY_USAGES).find(([, o]) => o === oid)?.[0] ?? REFUSED_EKUS[oid];
  return name ? `${oid} (${name})` : oid;
}

/** What a request may ask for unless a profile says otherwise: the usages of Intune's SCEP profiles. */
const DEFAULT_ALLOWED_KEY_USAGE: KeyUsageName[] = ["digitalSignature", "keyEncipherment"];
const DEFAULT_ALLOWED_EKUS = ["clientAuth", "serverAuth", "ipsecTunnel", "ipsecIKEIntermediate", "emailProtection", "smartcardLogon"];

export function defaultProfile(validityDays: number, backdateSeconds: number): CertificateProfile {
  return {
    name: "default",
    validityDays,
    backdateSeconds,
    keyUsage: ["digitalSignature", "keyEncipherment"],
    extendedKeyUsage: [EXTENDED_KEY_USAGES.clientAuth!],
    rsaBits: { min: 2048, max: 8192 },
    allowWeakRsa1024: false,
    ecCurves: ["prime256v1", "secp384r1"],
    honourRequest: "intune",
    allowedKeyUsage: DEFAULT_ALLOWED_KEY_USAGE,
    allowedExtendedKeyUsage: DEFAULT_ALLOWED_EKUS.map((n) => EXTENDED_KEY_USAGES[n]!),
  };
}

/** Key usages for a key of this algorithm under this profile. */
export function keyUsageFor(profile: CertificateProfile, algorithm: "rsa" | "ec"): KeyUsageName[] {
  if (algorithm === "rsa") return profile.keyUsage;
  const ec = profile.keyUsage.filter((u) => u !== "keyEncipherment" && u !== "dataEncipherment");
  return ec.length ? ec : ["digitalSignature"];
}

/** Refusal reason when the profile does not accept this key, else undefined. */
export function profileKeyRefusal(profile: CertificateProfile, key: { algorithm: string; bits: number; curve?: string }): string | undefined {
  if (key.algorithm === "rsa") {
    if (key.bits < profile.rsaBits.min || key.bits > profile.rsaBits.max) {
      const refusal = `RSA key of ${key.bits} bits is outside profile "${profile.name}" (${profile.rsaBits.min}–${profile.rsaBits.max})`;
      // Microsoft's test matrix has a 1024-bit row: say how an admin who must pass it allows it.
      if (key.bits >= RSA_FLOOR_BITS && key.bits < WEAK_RSA_BELOW && profile.rsaBits.min >= WEAK_RSA_BELOW) {
        return `${refusal}; keys under ${WEAK_RSA_BELOW} bits are weak: the profile needs rsaBits [${key.bits}, …] and allowWeakRsa1024: true`;
      }
      return refusal;
    }
    return undefined;
  }
  if (key.algorithm === "ec") {
    if (key.curve && profile.ecCurves.includes(key.curve)) return undefined;
    return `EC curve ${key.curve ?? "unknown"} is not allowed by profile "${profile.name}"`;
  }
  return `key type ${key.algorithm} is not allowed`;
}

/**
 * The profile for a request: a renewal keeps the profile its certificate was issued under; else the
 * profile named by the enrollment path (when it accepts this kind); else the profile named after
 * the challenge kind (a profile called "intune" applies to Intune requests); else "default".
 */
export function selectProfile(
  profiles: ReadonlyMap<string, CertificateProfile>,
  request: { kind: ProfileKind; pathProfile?: string; renewalOf?: string },
): { profile: CertificateProfile } | { refusal: string } {
  if (request.renewalOf !== undefined) {
    const kept = profiles.get(request.renewalOf);
    if (kept) return { profile: kept };
  }
  if (request.pathProfile !== undefined) {
    const chosen = profiles.get(request.pathProfile)!;
    // A profile reached by path must name the kinds it serves: an admin who adds a serverAuth
    // profile for one-time challenges must not hand it to every holder of the static secret.
    if (!chosen.challengeKinds?.includes(request.kind)) {
      return { refusal: `profile "${chosen.name}" does not accept ${request.kind} requests` };
    }
    return { profile: chosen };
  }
  return { profile: profiles.get(request.kind) ?? profiles.get("default")! };
}
