// CERT_PROFILES read into certificate profiles (src/ca/profiles.ts), every field checked when the
// Worker starts: a bad one answers 503 naming CERT_PROFILES.<name>.<field>, never a failure in the
// middle of an issuance. docs/configuration.md ("Certificate profiles") documents each field, and
// test/unit/profile-fields-docs.test.ts holds the two lists together.
import { DerError } from "../asn1/der";
import { oidOctets } from "../asn1/oid";
import { SettingError } from "../util/setting-error";
import type { KeyUsageName } from "../x509/extensions";
import { RSA_CEILING_BITS, RSA_FLOOR_BITS } from "./csr";
import { EXTENDED_KEY_USAGES, REFUSED_EKUS, WEAK_RSA_BELOW, type CertificateProfile, type HonourRequest, type ProfileKind } from "./profiles";

class ProfileSettingError extends SettingError {
  constructor(setting: string, problem: string) {
    super(setting, problem);
    this.name = "ProfileSettingError";
  }
}

/** Key usages a profile may grant or allow. keyCertSign and cRLSign make a CA: never for an enrolled device. */
const KEY_USAGES: readonly KeyUsageName[] = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement"];
const CURVES: Readonly<Record<string, string>> = { "P-256": "prime256v1", "P-384": "secp384r1" };
const KINDS: readonly ProfileKind[] = ["static", "one-time", "intune"];
const HONOUR: readonly HonourRequest[] = ["intune", "always", "never"];

/** The fields of a profile in CERT_PROFILES, as docs/configuration.md lists them. */
export const PROFILE_FIELDS = [
  "validityDays",
  "maxValidityDays",
  "backdateMinutes",
  "keyUsage",
  "extendedKeyUsage",
  "honourRequest",
  "allowedKeyUsage",
  "allowedExtendedKeyUsage",
  "rsaBits",
  "allowWeakRsa1024",
  "ecCurves",
  "challengeKinds",
] as const;
const FIELDS: ReadonlySet<string> = new Set(PROFILE_FIELDS);
const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

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
  // "default" first, whatever its place in the object: every other profile falls back to it.
  const entries = Object.entries(raw).sort(([a], [b]) => Number(b === "default") - Number(a === "default"));
  for (const [name, settings] of entries) {
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
    if (!FIELDS.has(field)) throw new ProfileSettingError(at(field), `unknown field (use ${PROFILE_FIELDS.join(", ")})`);
  const profile: CertificateProfile = { ...base, name };
  if (s.validityDays !== undefined) profile.validityDays = integer(s.validityDays, 1, 3650, at("validityDays"));
  if (s.maxValidityDays !== undefined) profile.maxValidityDays = integer(s.maxValidityDays, 1, 3650, at("maxValidityDays"));
  if (profile.maxValidityDays !== undefined && profile.maxValidityDays < profile.validityDays)
    throw new ProfileSettingError(at("maxValidityDays"), "must be at least validityDays");
  if (s.backdateMinutes !== undefined) profile.backdateSeconds = integer(s.backdateMinutes, 0, 10080, at("backdateMinutes")) * 60;
  if (s.keyUsage !== undefined) profile.keyUsage = keyUsages(s.keyUsage, at("keyUsage"));
  if (s.allowedKeyUsage !== undefined) profile.allowedKeyUsage = keyUsages(s.allowedKeyUsage, at("allowedKeyUsage"));
  if (s.extendedKeyUsage !== undefined)
    profile.extendedKeyUsage = names(s.extendedKeyUsage, at("extendedKeyUsage")).map((e) => ekuOid(e, at("extendedKeyUsage")));
  if (s.allowedExtendedKeyUsage !== undefined)
    profile.allowedExtendedKeyUsage = names(s.allowedExtendedKeyUsage, at("allowedExtendedKeyUsage")).map((e) =>
      ekuOid(e, at("allowedExtendedKeyUsage")),
    );
  if (s.honourRequest !== undefined) {
    if (!(HONOUR as readonly unknown[]).includes(s.honourRequest)) throw new ProfileSettingError(at("honourRequest"), `use ${HONOUR.join(", ")}`);
    profile.honourRequest = s.honourRequest as HonourRequest;
  }
  if (s.allowWeakRsa1024 !== undefined) {
    if (typeof s.allowWeakRsa1024 !== "boolean") throw new ProfileSettingError(at("allowWeakRsa1024"), "must be true or false");
    profile.allowWeakRsa1024 = s.allowWeakRsa1024;
  }
  if (s.rsaBits !== undefined) {
    const [min, max] = Array.isArray(s.rsaBits) ? s.rsaBits : [];
    const bits = (v: unknown) => integer(v, RSA_FLOOR_BITS, RSA_CEILING_BITS, at("rsaBits"));
    profile.rsaBits = { min: bits(min), max: bits(max) };
    if (profile.rsaBits.min > profile.rsaBits.max) throw new ProfileSettingError(at("rsaBits"), "[min, max] with min ≤ max");
  }
  // Weak keys are an explicit, second decision: a typo in rsaBits must not admit RSA-1024.
  if (profile.rsaBits.min < WEAK_RSA_BELOW && !profile.allowWeakRsa1024) {
    throw new ProfileSettingError(at("rsaBits"), `keys under ${WEAK_RSA_BELOW} bits are weak: accept them only with allowWeakRsa1024: true`);
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

function keyUsages(value: unknown, setting: string): KeyUsageName[] {
  const usages = names(value, setting).map((u) => {
    if (!(KEY_USAGES as readonly string[]).includes(u)) {
      throw new ProfileSettingError(setting, `use ${KEY_USAGES.join(", ")} (keyCertSign and cRLSign are never granted to a device)`);
    }
    return u as KeyUsageName;
  });
  if (usages.length === 0) throw new ProfileSettingError(setting, "must name at least one key usage");
  return usages;
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
