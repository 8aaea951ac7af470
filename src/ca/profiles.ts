// Certificate profiles: what an issued certificate looks like (validity, key usages, extended key
// usages, backdating) and which keys it accepts, chosen per challenge kind and optionally per
// enrollment path (/scep/<profile>). CERT_PROFILES holds them as JSON; the built-in "default" is
// what the endpoint always issued: 365 days (CERT_VALIDITY_DAYS), digitalSignature+keyEncipherment
// (RSA) or digitalSignature (EC), clientAuth, RSA 2048–8192 or EC P-256/P-384.
import { DerError } from "../asn1/der";
import { oidOctets } from "../asn1/oid";
import { SettingError } from "../util/setting-error";
import type { KeyUsageName } from "../x509/extensions";

export type ProfileKind = "static" | "one-time" | "intune";

export interface CertificateProfile {
  name: string;
  validityDays: number;
  backdateSeconds: number;
  /** Key usages for RSA keys; for EC keys the encipherment bits are dropped (RFC 5480 §3). */
  keyUsage: KeyUsageName[];
  /** Extended key usage OIDs, in order. */
  extendedKeyUsage: string[];
  rsaBits: { min: number; max: number };
  /** node:crypto curve names. */
  ecCurves: string[];
  /** Challenge kinds that may ask for this profile by its path; undefined = none (kind- and default profiles need none). */
  challengeKinds?: ProfileKind[];
}

class ProfileSettingError extends SettingError {
  constructor(setting: string, problem: string) {
    super(setting, problem);
    this.name = "ProfileSettingError";
  }
}

/** Key usages a profile may grant. keyCertSign and cRLSign make a CA: never for an enrolled device. */
const KEY_USAGES: readonly KeyUsageName[] = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement"];

/** Extended key usages by name (RFC 5280 §4.2.1.12, RFC 4945 §5.1.3.12, Microsoft). anyExtendedKeyUsage is never granted. */
const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  ipsecEndSystem: "1.3.6.1.5.5.7.3.5",
  ipsecTunnel: "1.3.6.1.5.5.7.3.6",
  ipsecUser: "1.3.6.1.5.5.7.3.7",
  ipsecIKE: "1.3.6.1.5.5.7.3.17",
  smartcardLogon: "1.3.6.1.4.1.311.20.2.2",
};
const REFUSED_EKUS: Readonly<Record<string, string>> = {
  "2.5.29.37.0": "anyExtendedKeyUsage",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
};

const CURVES: Readonly<Record<string, string>> = { "P-256": "prime256v1", "P-384": "secp384r1" };
const KINDS: readonly ProfileKind[] = ["static", "one-time", "intune"];
const FIELDS = new Set(["validityDays", "backdateMinutes", "keyUsage", "extendedKeyUsage", "rsaBits", "ecCurves", "challengeKinds"]);
const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export function defaultProfile(validityDays: number, backdateSeconds: number): CertificateProfile {
  return {
    name: "default",
    validityDays,
    backdateSeconds,
    keyUsage: ["digitalSignature", "keyEncipherment"],
    extendedKeyUsage: [EXTENDED_KEY_USAGES.clientAuth!],
    rsaBits: { min: 2048, max: 8192 },
    ecCurves: ["prime256v1", "secp384r1"],
  };
}

/**
 * CERT_PROFILES: a JSON object (or the object wrangler makes of a `[vars.CERT_PROFILES]` table)
 * mapping profile names to settings; omitted fields take the default profile's values. Errors name
 * the setting path (CERT_PROFILES.<name>.<field>).
 */
export function parseProfiles(value: unknown, base: CertificateProfile): Map<string, CertificateProfile> {
  const profiles = new Map<string, CertificateProfile>([["default", base]]);
  if (value === undefined || value === null || value === "") return profiles;
  let raw: unknown = value;
  if (typeof value === "string") {
    try {
      raw = JSON.parse(value);
    } catch {
      throw new ProfileSettingError("CERT_PROFILES", "not valid JSON (an object of profile names to settings)");
    }
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ProfileSettingError("CERT_PROFILES", "must be an object of profile names to settings");
  for (const [name, settings] of Object.entries(raw)) {
    if (!NAME.test(name))
      throw new ProfileSettingError("CERT_PROFILES", "profile names are 1–32 of a-z, 0-9, '-' and '_', starting with a letter or digit");
    profiles.set(name, parseProfile(name, settings, name === "default" ? base : profiles.get("default")!));
  }
  return profiles;
}

function parseProfile(name: string, settings: unknown, base: CertificateProfile): CertificateProfile {
  const at = (field: string) => `CERT_PROFILES.${name}${field ? `.${field}` : ""}`;
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) throw new ProfileSettingError(at(""), "must be an object");
  const s = settings as Record<string, unknown>;
  for (const field of Object.keys(s))
    if (!FIELDS.has(field)) throw new ProfileSettingError(at(field), `unknown field (use ${[...FIELDS].join(", ")})`);
  const profile: CertificateProfile = { ...base, name };
  if (s.validityDays !== undefined) profile.validityDays = integer(s.validityDays, 1, 3650, at("validityDays"));
  if (s.backdateMinutes !== undefined) profile.backdateSeconds = integer(s.backdateMinutes, 0, 10080, at("backdateMinutes")) * 60;
  if (s.keyUsage !== undefined) {
    profile.keyUsage = names(s.keyUsage, at("keyUsage")).map((u) => {
      if (!(KEY_USAGES as readonly string[]).includes(u)) {
        throw new ProfileSettingError(at("keyUsage"), `use ${KEY_USAGES.join(", ")} (keyCertSign and cRLSign are never granted to a device)`);
      }
      return u as KeyUsageName;
    });
    if (profile.keyUsage.length === 0) throw new ProfileSettingError(at("keyUsage"), "must name at least one key usage");
  }
  if (s.extendedKeyUsage !== undefined)
    profile.extendedKeyUsage = names(s.extendedKeyUsage, at("extendedKeyUsage")).map((e) => ekuOid(e, at("extendedKeyUsage")));
  if (s.rsaBits !== undefined) {
    const [min, max] = Array.isArray(s.rsaBits) ? s.rsaBits : [];
    profile.rsaBits = { min: integer(min, 2048, 8192, at("rsaBits")), max: integer(max, 2048, 8192, at("rsaBits")) };
    if (profile.rsaBits.min > profile.rsaBits.max) throw new ProfileSettingError(at("rsaBits"), "[min, max] with min ≤ max");
  }
  if (s.ecCurves !== undefined) {
    profile.ecCurves = names(s.ecCurves, at("ecCurves")).map((c) => {
      const curve = CURVES[c];
      if (!curve) throw new ProfileSettingError(at("ecCurves"), "use P-256 and/or P-384 (or [] for RSA only)");
      return curve;
    });
  }
  if (s.challengeKinds !== undefined) {
    profile.challengeKinds = names(s.challengeKinds, at("challengeKinds")).map((k) => {
      if (!(KINDS as readonly string[]).includes(k)) throw new ProfileSettingError(at("challengeKinds"), `use ${KINDS.join(", ")}`);
      return k as ProfileKind;
    });
  }
  return profile;
}

function ekuOid(value: string, setting: string): string {
  const named = EXTENDED_KEY_USAGES[value];
  if (named) return named;
  // Checked here, not when the first certificate is signed: encoding a bad OID would fail mid-issuance.
  const oid = /^\d+(\.\d+)+$/.test(value) && isOid(value) ? value : undefined;
  if (!oid) throw new ProfileSettingError(setting, `use known names (${Object.keys(EXTENDED_KEY_USAGES).join(", ")}) or dotted OIDs`);
  if (REFUSED_EKUS[oid]) throw new ProfileSettingError(setting, `${REFUSED_EKUS[oid]} is never granted to an enrolled device`);
  return oid;
}

function isOid(dotted: string): boolean {
  try {
    oidOctets(dotted);
    return true;
  } catch (e) {
    if (e instanceof DerError) return false;
    throw e;
  }
}

function names(value: unknown, setting: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw new ProfileSettingError(setting, "must be an array of strings");
  return value as string[];
}

function integer(value: unknown, min: number, max: number, setting: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new ProfileSettingError(setting, `must be an integer from ${min} to ${max}`);
  return value;
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
      return `RSA key of ${key.bits} bits is outside profile "${profile.name}" (${profile.rsaBits.min}–${profile.rsaBits.max})`;
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
