// What a request may change in its certificate: key usage, extended key usage and validity, when its
// profile honours requests (honourRequest: Intune-validated ones by default) and only within the
// profile's allow-lists. Microsoft's partner-CA test matrix (Intune-Resource-Access,
// src/CsrValidation/doc/TestMatrix.csv) expects the certificate to carry what the Intune profile
// asked for; a request that asks for something the profile does not allow is refused with the
// reason, never issued without it. A request that asks for nothing gets the profile's values.
import { DerError } from "../asn1/der";
import { OID } from "../asn1/oids";
import { KEY_USAGE_BIT_NAMES, readExtKeyUsage, readKeyUsageBits, type KeyUsageName } from "../x509/extensions";
import type { NameValuePair, RequestedExtension } from "./csr";
import { ekuText, keyUsageFor, REFUSED_EKUS, type CertificateProfile } from "./profiles";

export type PeriodUnit = "days" | "weeks" | "months" | "years";

export interface ValidityPeriod {
  count: number;
  unit: PeriodUnit;
}

export interface IssuedUsage {
  keyUsage: KeyUsageName[];
  extendedKeyUsage: string[];
  /** The validity the request asked for; the issuer caps it (maxValidityDays, the CA's notAfter). */
  validity?: ValidityPeriod;
  /** Which of the three came from the request, for the issuance log. */
  fromRequest: ("keyUsage" | "extendedKeyUsage" | "validity")[];
}

export type UsageCheck = { ok: true; usage: IssuedUsage } | { ok: false; reason: string };

export interface RequestedUsage {
  extensions: readonly RequestedExtension[];
  nameValuePairs: readonly NameValuePair[];
  algorithm: "rsa" | "ec";
}

export function honoursRequest(profile: CertificateProfile, context: { intuneValidated: boolean }): boolean {
  return profile.honourRequest === "always" || (profile.honourRequest === "intune" && context.intuneValidated);
}

/** The profile's own usages: for requests it does not honour, and for what an honoured one leaves out. */
export function profileUsage(profile: CertificateProfile, algorithm: "rsa" | "ec"): IssuedUsage {
  return { keyUsage: keyUsageFor(profile, algorithm), extendedKeyUsage: profile.extendedKeyUsage, fromRequest: [] };
}

export function usageFor(profile: CertificateProfile, request: RequestedUsage, honour: boolean): UsageCheck {
  const usage = profileUsage(profile, request.algorithm);
  if (!honour) return { ok: true, usage };
  const ku = request.extensions.find((e) => e.oid === OID.keyUsage);
  if (ku) {
    const asked = requestedKeyUsage(profile, ku.value, request.algorithm);
    if (typeof asked === "string") return { ok: false, reason: asked };
    usage.keyUsage = asked;
    usage.fromRequest.push("keyUsage");
  }
  const eku = request.extensions.find((e) => e.oid === OID.extKeyUsage);
  if (eku) {
    const asked = requestedEkus(profile, eku.value);
    if (typeof asked === "string") return { ok: false, reason: asked };
    usage.extendedKeyUsage = asked;
    usage.fromRequest.push("extendedKeyUsage");
  }
  const validity = requestedValidity(request.nameValuePairs);
  if (typeof validity === "string") return { ok: false, reason: validity };
  if (validity) {
    usage.validity = validity;
    usage.fromRequest.push("validity");
  }
  return { ok: true, usage };
}

/** The requested KeyUsage bits as names, or the refusal. */
function requestedKeyUsage(profile: CertificateProfile, value: Uint8Array, algorithm: "rsa" | "ec"): KeyUsageName[] | string {
  let bits: number[];
  try {
    bits = readKeyUsageBits(value);
  } catch (e) {
    if (e instanceof DerError) return `the requested key usage is not a valid KeyUsage (${e.message})`;
    throw e;
  }
  if (bits.length === 0) return "the requested key usage asserts no usage (RFC 5280 §4.2.1.3)";
  const names: KeyUsageName[] = [];
  for (const bit of bits) {
    const name = KEY_USAGE_BIT_NAMES[bit] ?? `bit ${bit}`;
    if (!["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement"].includes(name)) {
      return `key usage ${name} is never issued to an enrolled device`;
    }
    // RFC 5480 §3: an EC key does not encipher keys or data.
    if (algorithm === "ec" && (name === "keyEncipherment" || name === "dataEncipherment")) return `key usage ${name} is not issued for an EC key`;
    if (!profile.allowedKeyUsage.includes(name as KeyUsageName)) {
      return `key usage ${name} is not allowed by profile "${profile.name}" (allowedKeyUsage: ${profile.allowedKeyUsage.join(", ")})`;
    }
    names.push(name as KeyUsageName);
  }
  return names;
}

/** The requested purposes, in order and without repeats, or the refusal. */
function requestedEkus(profile: CertificateProfile, value: Uint8Array): string[] | string {
  let oids: string[];
  try {
    oids = readExtKeyUsage(value);
  } catch (e) {
    if (e instanceof DerError) return `the requested extended key usage is not a valid ExtKeyUsageSyntax (${e.message})`;
    throw e;
  }
  for (const oid of oids) {
    if (REFUSED_EKUS[oid]) return `extended key usage ${ekuText(oid)} is never issued to an enrolled device`;
    if (!profile.allowedExtendedKeyUsage.includes(oid)) {
      return `extended key usage ${ekuText(oid)} is not allowed by profile "${profile.name}" (allowedExtendedKeyUsage)`;
    }
  }
  return [...new Set(oids)];
}

const UNITS: Readonly<Record<string, PeriodUnit>> = { days: "days", weeks: "weeks", months: "months", years: "years" };

/**
 * The validity in the request's enrollment name-value pairs ([MS-WCCE] §2.2.2.7.10): Windows sends
 * the Intune profile's validity as ValidityPeriod (Days, Months, Years: ClientCertificateInstall CSP,
 * SCEP/{UniqueID}/Install/ValidPeriod) and ValidityPeriodUnits (a count: .../ValidPeriodUnits),
 * the pair AD CS reads under EDITF_ATTRIBUTEENDDATE (Intune-Resource-Access issue #162). Android
 * sends the two values swapped (the same issue; not confirmed by Microsoft): a number under
 * ValidityPeriod and a unit under ValidityPeriodUnits is read the other way round. A count of 0 is
 * the CSP's "not set". Undefined when the request names no validity.
 */
export function requestedValidity(pairs: readonly NameValuePair[]): ValidityPeriod | undefined | string {
  const one = (name: string): string | undefined | null => {
    const values = new Set(pairs.filter((p) => p.name.trim().toLowerCase() === name).map((p) => p.value.trim()));
    return values.size > 1 ? null : [...values][0];
  };
  let unit = one("validityperiod");
  let count = one("validityperiodunits");
  if (unit === null || count === null) return "the request names two different validity periods";
  if (unit !== undefined && count !== undefined && /^\d+$/.test(unit) && !/^\d+$/.test(count)) [unit, count] = [count, unit];
  if (count === undefined) return undefined;
  if (!/^\d{1,6}$/.test(count)) return `the requested validity period count "${count.slice(0, 16)}" is not a whole number`;
  if (Number(count) === 0) return undefined;
  const named = UNITS[(unit ?? "Days").toLowerCase()];
  if (!named) return `the requested validity period unit "${(unit ?? "").slice(0, 16)}" is not Days, Weeks, Months or Years`;
  return { count: Number(count), unit: named };
}

const DAY_MS = 86_400_000;

/** now + the period; months and years by the UTC calendar (a month from 31 January runs into March). */
export function periodEnd(now: Date, period: ValidityPeriod): Date {
  const end = new Date(now.getTime());
  switch (period.unit) {
    case "days":
      return new Date(now.getTime() + period.count * DAY_MS);
    case "weeks":
      return new Date(now.getTime() + period.count * 7 * DAY_MS);
    case "months":
      end.setUTCMonth(end.getUTCMonth() + period.count);
      return end;
    case "years":
      end.setUTCFullYear(end.getUTCFullYear() + period.count);
      return end;
  }
}
