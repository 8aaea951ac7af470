// The name policy every issued certificate passes: which subject and subjectAltNames a request may
// carry, and whether it may carry a Microsoft SID (strong mapping, KB5014754). Pure: the caller
// passes what it knows (was the request validated by Intune?) and gets the re-encoded names back.
import { SettingError } from "../util/setting-error";
import { NameError } from "../x509/name-error";
import {
  generalNameKey,
  generalNamesText,
  generalNameText,
  encodeGeneralNames,
  isSidUri,
  parseGeneralNames,
  type GeneralName,
} from "../x509/general-names";
import { encodeName, nameToText, parseName, sameName, type RelativeName } from "../x509/name";
import { dnsNameProblem, domainOf } from "../x509/name-syntax";
import { parseSidExtension, SID_URI_PREFIX } from "../x509/sid-extension";

export { encodeSidExtension } from "../x509/sid-extension";

export type SanType = "dns" | "email" | "upn" | "uri" | "ip";
export type SidPolicy = "intune" | "never" | "always";

export interface NamePolicy {
  sanTypes: ReadonlySet<SanType>;
  /** Lower-case domains a DNS name, email domain or UPN suffix must fall under; undefined = any. */
  sanDomains?: readonly string[];
  sid: SidPolicy;
}

const SAN_TYPES: readonly SanType[] = ["dns", "email", "upn", "uri", "ip"];

export const DEFAULT_NAME_POLICY: NamePolicy = Object.freeze({ sanTypes: new Set(SAN_TYPES), sid: "intune" as const });

/** A bad name-policy setting. The message names the setting and never quotes its value. */
export class NamePolicySettingError extends SettingError {
  constructor(setting: string, problem: string) {
    super(setting, problem);
    this.name = "NamePolicySettingError";
  }
}

function listOf(raw: string): string[] {
  return raw.split(",").map((s) => s.trim());
}

export function parseNamePolicy(env: { SAN_TYPES?: string; SAN_DOMAINS?: string; SID_FROM_CSR?: string }): NamePolicy {
  let sanTypes: ReadonlySet<SanType> = DEFAULT_NAME_POLICY.sanTypes;
  if (env.SAN_TYPES?.trim()) {
    const items = listOf(env.SAN_TYPES.toLowerCase());
    if (items.length === 1 && items[0] === "none") sanTypes = new Set();
    else if (items.every((t) => (SAN_TYPES as readonly string[]).includes(t))) sanTypes = new Set(items as SanType[]);
    else throw new NamePolicySettingError("SAN_TYPES", `must be "none" or a comma list of ${SAN_TYPES.join(", ")}`);
  }
  let sanDomains: string[] | undefined;
  if (env.SAN_DOMAINS?.trim()) {
    sanDomains = listOf(env.SAN_DOMAINS.toLowerCase()).map((d, i) => {
      const domain = d.replace(/^\*?\./, "");
      if (dnsNameProblem(domain)) throw new NamePolicySettingError("SAN_DOMAINS", `entry ${i + 1} is not a DNS domain name`);
      return domain;
    });
  }
  const sid = (env.SID_FROM_CSR?.trim() || "intune").toLowerCase();
  if (sid !== "intune" && sid !== "never" && sid !== "always") {
    throw new NamePolicySettingError("SID_FROM_CSR", "must be one of intune, never, always");
  }
  return { sanTypes, sanDomains, sid };
}

export interface RequestedNames {
  /** The CSR's subject Name, DER. */
  subjectDer: Uint8Array;
  /** extnValue of the requested subjectAltName. */
  subjectAltNameDer?: Uint8Array;
  subjectAltNameCritical?: boolean;
  /** extnValue of a requested szOID_NTDS_CA_SECURITY_EXT (1.3.6.1.4.1.311.25.2). */
  sidExtensionDer?: Uint8Array;
  /** OID of an extension requested twice, found by the CSR parser. */
  duplicateExtension?: string;
}

export interface CheckedNames {
  subject: RelativeName[];
  /** Re-encoded from `subject`; equal to the request's bytes when those were DER. */
  subjectDer: Uint8Array;
  subjectText: string;
  sans: GeneralName[];
  /** Re-encoded from `sans`; absent when the request had no subjectAltName. */
  subjectAltNameDer?: Uint8Array;
  /** True when the subject is empty (RFC 5280 §4.2.1.6) or the CSR asked for it. */
  subjectAltNameCritical: boolean;
  /** SID of an allowed SID extension, for the issuer to re-encode with encodeSidExtension. */
  sid?: string;
  sansText: string;
}

export type NameCheck = { ok: true; names: CheckedNames } | { ok: false; reason: string };

const refuse = (reason: string): NameCheck => ({ ok: false, reason });

/** Text for a refusal or change message: values are client-supplied, so at most `max` characters. */
function shortText(text: string, max = 64): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max).join("")}…` : text;
}

function inDomains(domain: string, domains: readonly string[]): boolean {
  const d = domain.toLowerCase();
  return domains.some((allowed) => d === allowed || d.endsWith(`.${allowed}`));
}

/** The domain a SAN claims, for SAN_DOMAINS; undefined for types without one (ip, uri). */
function claimedDomain(n: GeneralName): string | undefined {
  if (n.type === "dns") return n.value;
  if (n.type === "email" || n.type === "upn") return domainOf(n.value);
  return undefined;
}

function sidRefusal(policy: NamePolicy, intuneValidated: boolean, what: string): string | undefined {
  if (policy.sid === "always" || (policy.sid === "intune" && intuneValidated)) return undefined;
  if (policy.sid === "never") return `the request carries a ${what} (strong certificate mapping), which SID_FROM_CSR=never refuses`;
  return `the request carries a ${what} (strong certificate mapping), accepted only from Intune-validated requests`;
}

function checkSan(n: GeneralName, policy: NamePolicy, intuneValidated: boolean): string | undefined {
  if (n.type === "directory" || n.type === "registeredId" || n.type === "otherName") {
    return `subjectAltName ${shortText(generalNameText(n))} is of a type this CA never issues`;
  }
  if (!policy.sanTypes.has(n.type)) return `subjectAltName type ${n.type} is not allowed by SAN_TYPES`;
  if (n.type === "dns" && n.wildcard) return `wildcard DNS names are not issued (${shortText(generalNameText(n))})`;
  const domain = claimedDomain(n);
  if (domain !== undefined && policy.sanDomains && !inDomains(domain, policy.sanDomains)) {
    return `subjectAltName ${shortText(generalNameText(n))} is outside the domains SAN_DOMAINS allows`;
  }
  if (n.type === "uri" && isSidUri(n.value)) return sidRefusal(policy, intuneValidated, "SID URI");
  return undefined;
}

export function checkRequestedNames(req: RequestedNames, policy: NamePolicy, context: { intuneValidated: boolean }): NameCheck {
  if (req.duplicateExtension) return refuse(`the request asks for extension ${req.duplicateExtension.slice(0, 64)} more than once`);
  let subject: RelativeName[];
  try {
    subject = parseName(req.subjectDer);
  } catch (e) {
    if (e instanceof NameError) return refuse(`the subject is not acceptable: ${e.message}`);
    throw e;
  }
  let sans: GeneralName[] = [];
  if (req.subjectAltNameDer) {
    try {
      sans = parseGeneralNames(req.subjectAltNameDer);
    } catch (e) {
      if (e instanceof NameError) return refuse(`the subjectAltName is not a valid GeneralNames: ${e.message}`);
      throw e;
    }
  }
  if (subject.length === 0 && sans.length === 0) return refuse("the subject is empty and there is no subjectAltName");

  // RFC 5280 §4.1.2.6 keeps emailAddress in subjects for legacy use only; it is an email identity all
  // the same, so SAN_DOMAINS applies to it as to an rfc822Name.
  for (const rdn of subject) {
    for (const a of rdn) {
      if (a.type === "1.2.840.113549.1.9.1" && policy.sanDomains && !inDomains(domainOf(a.value), policy.sanDomains)) {
        return refuse("the subject's emailAddress is outside the domains SAN_DOMAINS allows");
      }
    }
  }
  for (const n of sans) {
    const reason = checkSan(n, policy, context.intuneValidated);
    if (reason) return refuse(reason);
  }

  let sid: string | undefined;
  if (req.sidExtensionDer) {
    try {
      sid = parseSidExtension(req.sidExtensionDer);
    } catch (e) {
      if (e instanceof NameError) return refuse(`the SID extension is not valid: ${e.message}`);
      throw e;
    }
    const reason = sidRefusal(policy, context.intuneValidated, "SID extension");
    if (reason) return refuse(reason);
    // Two SIDs for one certificate would map it to two accounts.
    const uriSid = sans.find((n) => n.type === "uri" && isSidUri(n.value));
    if (uriSid && uriSid.type === "uri" && uriSid.value.slice(SID_URI_PREFIX.length) !== sid) {
      return refuse("the SID extension and the SID URI name different SIDs");
    }
  }

  return {
    ok: true,
    names: {
      subject,
      subjectDer: encodeName(subject),
      subjectText: nameToText(subject),
      sans,
      subjectAltNameDer: sans.length > 0 ? encodeGeneralNames(sans) : undefined,
      subjectAltNameCritical: sans.length > 0 && (subject.length === 0 || req.subjectAltNameCritical === true),
      sid,
      sansText: generalNamesText(sans),
    },
  };
}

/**
 * What a renewal would change in the identity of the certificate it renews (design rule 7: a
 * renewal signature authorises the same identity again), or undefined when nothing changes.
 * `old.sid` is the SID extension of the certificate being renewed; a SID added, dropped or
 * changed is an identity change as well.
 */
export function describeIdentityChange(
  old: { subject: RelativeName[]; sans: GeneralName[]; sid?: string },
  requested: Pick<CheckedNames, "subject" | "subjectText" | "sans" | "sid">,
): string | undefined {
  const changes: string[] = [];
  if (!sameName(old.subject, requested.subject)) {
    changes.push(`the subject differs (${shortText(nameToText(old.subject)) || "empty"} → ${shortText(requested.subjectText) || "empty"})`);
  }
  const oldKeys = new Set(old.sans.map(generalNameKey));
  const newKeys = new Set(requested.sans.map(generalNameKey));
  const added = requested.sans.filter((n) => !oldKeys.has(generalNameKey(n))).map(generalNameText);
  const removed = old.sans.filter((n) => !newKeys.has(generalNameKey(n))).map(generalNameText);
  if (added.length > 0 || removed.length > 0) {
    const parts = [
      added.length ? `added: ${shortText(added.join(", "), 160)}` : "",
      removed.length ? `removed: ${shortText(removed.join(", "), 160)}` : "",
    ];
    changes.push(`SANs ${parts.filter(Boolean).join("; ")}`);
  }
  if ((old.sid ?? "") !== (requested.sid ?? "")) changes.push("the SID extension differs");
  return changes.length > 0 ? changes.join("; ") : undefined;
}
