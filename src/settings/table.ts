// Every setting of the Worker, once: its name (part of the product), whether it is a secret or a
// var, which part of the Worker needs it, its default as docs/configuration.md shows it, and what
// it means. The Env type (src/env.ts), the parsers' defaults (src/config.ts) and the check that
// docs/configuration.md agrees (test/unit/settings-docs.test.ts) are derived from this table.

/** Secrets are set with `wrangler secret put`; vars go in wrangler.toml [vars] or `--var`. */
export type SettingKind = "secret" | "var";
/**
 * Which part of the Worker a setting configures. A problem in an `admin` setting turns off only
 * the admin API (it answers 503 naming the problem); any other problem stops the whole Worker
 * (503 for every request), since it could not serve correctly.
 */
export type SettingPart = "scep" | "admin" | "intune";

export interface SettingSpec {
  name: string;
  kind: SettingKind;
  part: SettingPart;
  /** The default as the docs show it; absent when the setting has none. */
  default?: string;
  meaning: string;
}

export const SETTINGS = [
  { name: "CA_KEY", kind: "secret", part: "scep", meaning: "PKCS#8 PEM private key of the issuing CA" },
  { name: "RETIRED_CA_KEYS", kind: "secret", part: "scep", meaning: "keys of retired CAs, which still sign their CRLs" },
  { name: "RA_KEY", kind: "secret", part: "scep", meaning: "PKCS#8 PEM key of the RA certificate" },
  { name: "SCEP_CHALLENGE", kind: "secret", part: "scep", meaning: "the static challenge password" },
  { name: "INTUNE_CLIENT_SECRET", kind: "secret", part: "intune", meaning: "Entra app client secret" },
  { name: "INTUNE_CLIENT_KEY", kind: "secret", part: "intune", meaning: "PKCS#8 PEM key of INTUNE_CLIENT_CERT: signs client assertions" },
  { name: "ADMIN_TOKEN", kind: "secret", part: "admin", meaning: "bearer token of the admin API" },
  { name: "CA_CERT", kind: "var", part: "scep", meaning: "PEM: the issuing CA certificate, then its chain" },
  { name: "RA_CERT", kind: "var", part: "scep", meaning: "PEM RA certificate: signs CertReps, receives envelopes" },
  { name: "NEXT_CA_CERT", kind: "var", part: "scep", meaning: "rollover CA certificate for GetNextCACert" },
  { name: "RETIRED_CA_CERTS", kind: "var", part: "scep", meaning: "certificates of CAs retired by a rollover" },
  { name: "CHALLENGE_MODE", kind: "var", part: "scep", default: "static", meaning: "static, one-time, intune, or a comma list" },
  { name: "ALLOW_LEGACY_DES", kind: "var", part: "scep", default: "false", meaning: "accept single-DES request envelopes" },
  { name: "CERT_VALIDITY_DAYS", kind: "var", part: "scep", default: "365", meaning: "validity of issued certificates (default profile)" },
  { name: "CERT_BACKDATE_MINUTES", kind: "var", part: "scep", default: "1440", meaning: "notBefore = now minus this (default profile)" },
  { name: "CERT_PROFILES", kind: "var", part: "scep", meaning: "certificate profiles as JSON or a [vars] table" },
  { name: "RENEWAL_POLICY", kind: "var", part: "scep", default: "static,one-time", meaning: "which certificates renew by their own signature" },
  { name: "RENEWAL_GRACE_DAYS", kind: "var", part: "scep", default: "0", meaning: "days an expired certificate may still renew" },
  { name: "RENEWAL_WINDOW_DAYS", kind: "var", part: "scep", meaning: "renew only in the last this-many days" },
  { name: "REVOKE_SUPERSEDED", kind: "var", part: "scep", default: "false", meaning: "revoke a renewed certificate once its successor is delivered" },
  { name: "SAN_TYPES", kind: "var", part: "scep", default: "dns,email,upn,uri,ip", meaning: "SAN types a request may carry" },
  { name: "SAN_DOMAINS", kind: "var", part: "scep", default: "any", meaning: "domains DNS names, email domains and UPN suffixes must fall under" },
  { name: "SID_FROM_CSR", kind: "var", part: "scep", default: "intune", meaning: "when a requested Microsoft SID is issued" },
  { name: "MAX_MESSAGE_BYTES", kind: "var", part: "scep", default: "65536", meaning: "largest accepted pkiMessage" },
  { name: "APPROVAL_MODE", kind: "var", part: "scep", default: "auto", meaning: "which enrollments wait for an admin" },
  { name: "PUBLIC_BASE_URL", kind: "var", part: "scep", meaning: "base of the CRL, CA and OCSP URLs issued certificates carry" },
  { name: "CRL_VALIDITY_HOURS", kind: "var", part: "scep", default: "24", meaning: "nextUpdate minus thisUpdate of the CRL" },
  { name: "OCSP_RESPONDER", kind: "var", part: "scep", default: "delegated", meaning: "who signs OCSP answers: delegated, ca or off" },
  { name: "OCSP_VALIDITY_HOURS", kind: "var", part: "scep", default: "24", meaning: "nextUpdate minus thisUpdate of an OCSP answer" },
  { name: "OCSP_RESPONDER_DAYS", kind: "var", part: "scep", default: "7", meaning: "validity of the delegated OCSP responder certificate" },
  { name: "OCSP_NON_ISSUED", kind: "var", part: "scep", default: "unknown", meaning: "OCSP answer for a serial never issued: unknown or revoked" },
  {
    name: "OCSP_REVISION_TTL_SECONDS",
    kind: "var",
    part: "scep",
    default: "0",
    meaning: "how long an isolate trusts the revocation revision it read",
  },
  { name: "ACCESS_TEAM_DOMAIN", kind: "var", part: "admin", meaning: "Cloudflare Access team domain in front of /admin/" },
  { name: "ACCESS_AUD", kind: "var", part: "admin", meaning: "AUD tag of the Access application" },
  { name: "INTUNE_TENANT_ID", kind: "var", part: "intune", meaning: "Entra tenant" },
  { name: "INTUNE_CLIENT_ID", kind: "var", part: "intune", meaning: "Entra app (client) ID" },
  { name: "INTUNE_CLOUD", kind: "var", part: "intune", default: "public", meaning: "the tenant's Microsoft cloud: presets the three URLs below" },
  { name: "ENTRA_AUTHORITY_URL", kind: "var", part: "intune", default: "the cloud's", meaning: "token authority" },
  { name: "GRAPH_BASE_URL", kind: "var", part: "intune", default: "the cloud's", meaning: "where Graph requests go" },
  { name: "INTUNE_RESOURCE_URL", kind: "var", part: "intune", default: "the cloud's", meaning: "the Intune API's OAuth resource" },
  { name: "INTUNE_CLIENT_CERT", kind: "var", part: "intune", meaning: "PEM certificate of the Entra app (with INTUNE_CLIENT_KEY)" },
  { name: "INTUNE_CLIENT_SECRET_EXPIRES", kind: "var", part: "intune", meaning: "the client secret's expiry date, warned about 30 days ahead" },
  { name: "INTUNE_CALLER_INFO", kind: "var", part: "intune", default: "EdgeSCEP/<version>", meaning: "callerInfo sent to Intune" },
  { name: "INTUNE_DISCOVERY_TTL_SECONDS", kind: "var", part: "intune", default: "86400", meaning: "how long the discovered Intune URIs are cached" },
  { name: "INTUNE_REVOCATION_SYNC", kind: "var", part: "intune", default: "on", meaning: "the hourly sync of Intune's revocation requests" },
  { name: "INTUNE_REVOCATION_BATCH", kind: "var", part: "intune", default: "100", meaning: "revocation requests downloaded per issuer and run" },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]["name"];

/** The bindings wrangler.toml declares (not settings: nothing to parse). */
export const BINDINGS = [
  { name: "LEDGER", type: "Durable Object (SQLite), class `Ledger`", meaning: "system of record, one object per CA key" },
  { name: "CACHE", type: "KV namespace", meaning: "Entra token and Intune discovery cache" },
] as const;

/**
 * The Rate Limiting bindings (wrangler.toml [[ratelimits]]): their limits are the settings of the
 * abuse guard (src/http/abuse-guard.ts, docs/security.md). A binding's limit and period are fixed
 * when the Worker is deployed; the period must be 60 (the guard's Retry-After). Without a binding
 * that limit is off.
 */
export const RATE_LIMITS = [
  {
    name: "AUTH_FAILURE_LIMITER",
    namespaceId: "88941",
    limit: 20,
    meaning: "failed authentications per client IP (an IPv6 /64) per minute; past it, 429 before any decryption",
  },
  { name: "INTUNE_CLIENT_LIMITER", namespaceId: "88942", limit: 30, meaning: "Intune validateRequest calls per client IP per minute" },
  { name: "INTUNE_LIMITER", namespaceId: "88943", limit: 600, meaning: "Intune validateRequest calls per minute in all (per Cloudflare location)" },
] as const;

export const RATE_LIMIT_PERIOD_SECONDS = 60;

const BY_NAME: ReadonlyMap<string, SettingSpec> = new Map(SETTINGS.map((s) => [s.name, s]));

function settingSpec(name: SettingName): SettingSpec {
  return BY_NAME.get(name)!;
}

/** A numeric or boolean setting's default, from the table (the docs show the same one). */
export function defaultNumber(name: SettingName): number {
  const d = settingSpec(name).default;
  if (d === undefined || !/^\d+$/.test(d)) throw new TypeError(`${name} has no numeric default`);
  return Number(d);
}

export function defaultText(name: SettingName): string {
  const d = settingSpec(name).default;
  if (d === undefined) throw new TypeError(`${name} has no default`);
  return d;
}
