// Env -> validated Config, once per isolate. A missing or invalid setting yields a ConfigError
// naming the setting; the Worker then refuses to serve (HTTP 503) rather than fail per device.
import { loadCaMaterial, type CaMaterial } from "./ca/ca-material";
import { buildCaSet, type CaSet, type IssuingCa } from "./ca/ca-set";
import { parseNamePolicy, type NamePolicy } from "./ca/name-policy";
import { defaultProfile, parseProfiles, type CertificateProfile } from "./ca/profiles";
import type { Env } from "./env";
import { parseIntuneConfig, type IntuneConfig } from "./intune";
import { caCertBody, capabilitiesBody, nextCaCertBody, type CaCertBody } from "./scep/ca-bodies";
import { recipientKeyFor, type RecipientKey } from "./scep/envelope";
import type { SignerIdentity } from "./scep/signed-data";
import { isLoopbackHost, parseBaseUrl, parseBoolean, parseInteger, parseList } from "./settings/primitives";
import { parseRenewalSettings, type RenewalSettings } from "./settings/renewal";
import { utf8 } from "./util/bytes";
import { SettingError } from "./util/setting-error";
import { parseCertView } from "./x509/cert-view";
import { CHALLENGE_MODES, type ChallengeMode } from "./challenge/select";

/** A bad setting: names it and the rule, never its value. */
export { SettingError as ConfigError };


export interface Config {
  /** The current issuing CA and the retired ones; `ca` is the current CA's material. */
  cas: CaSet;
  ca: CaMaterial;
  /** Signs CertReps: the RA when one is configured, else the CA (RFC 8894 §2.1). */
  replySigner: SignerIdentity;
  /** Certificates (DER) placed in CertReps so clients can verify the signer. */
  replyCertificates: Uint8Array[];
  /** Keys that may appear as envelope recipients (scepclient encrypts to every GetCACert certificate). */
  recipientKeys: RecipientKey[];
  challengeModes: ChallengeMode[];
  staticChallenge?: Uint8Array;
  allowLegacyDes: boolean;
  /** CERT_PROFILES with the built-in "default" (CERT_VALIDITY_DAYS, CERT_BACKDATE_MINUTES). */
  profiles: ReadonlyMap<string, CertificateProfile>;
  renewal: RenewalSettings;
  namePolicy: NamePolicy;
  maxMessageBytes: number;
  /** Precomputed bodies of the unauthenticated operations. */
  capsBody: string;
  caCert: CaCertBody;
  nextCaCert?: CaCertBody;
  /** Challenge kinds whose requests wait for an admin's approval (APPROVAL_MODE). */
  manualApproval: ReadonlySet<string>;
  /** PUBLIC_BASE_URL without a trailing slash: issued certificates then carry CRL and CA URLs. */
  publicBaseUrl?: string;
  crlValiditySeconds: number;
  /** Bearer token of the admin API; the API is off without it and without `access`. */
  adminToken?: Uint8Array;
  /** Cloudflare Access in front of the admin API (ACCESS_TEAM_DOMAIN + ACCESS_AUD): its JWT is required too. */
  access?: { issuer: string; certsUrl: string; audience: string };
  /** Entra/Graph/Intune settings when CHALLENGE_MODE includes intune. */
  intune?: IntuneConfig;
}

const SETTINGS_READ = [
  "CA_CERT", "CA_KEY", "RA_CERT", "RA_KEY", "NEXT_CA_CERT", "RETIRED_CA_CERTS", "RETIRED_CA_KEYS", "SCEP_CHALLENGE", "CHALLENGE_MODE",
  "ALLOW_LEGACY_DES", "CERT_VALIDITY_DAYS", "CERT_BACKDATE_MINUTES", "MAX_MESSAGE_BYTES",
  "APPROVAL_MODE", "PUBLIC_BASE_URL", "CRL_VALIDITY_HOURS", "ADMIN_TOKEN", "CERT_PROFILES",
  "RENEWAL_POLICY", "RENEWAL_GRACE_DAYS", "RENEWAL_WINDOW_DAYS", "REVOKE_SUPERSEDED", "SAN_TYPES", "SAN_DOMAINS", "SID_FROM_CSR",
  "ACCESS_TEAM_DOMAIN", "ACCESS_AUD",
  "INTUNE_TENANT_ID", "INTUNE_CLIENT_ID", "INTUNE_CLIENT_SECRET", "ENTRA_AUTHORITY_URL", "GRAPH_BASE_URL",
  "INTUNE_CALLER_INFO", "INTUNE_DISCOVERY_TTL_SECONDS",
] as const;

let cached: { key: string; result: Config | SettingError } | undefined;

/** wrangler passes a `[vars]` table as an object (CERT_PROFILES may be one). */
function settingText(value: unknown): string {
  if (value === undefined || value === null) return "\u0000";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parses and checks the configuration; the result (or the error) is kept for the isolate's life. */
export function loadConfig(env: Env): Config | SettingError {
  const key = SETTINGS_READ.map((name) => settingText(env[name])).join("\u0001");
  if (cached?.key === key) return cached.result;
  let result: Config | SettingError;
  try {
    result = buildConfig(env);
  } catch (e) {
    if (e instanceof SettingError) result = e;
    // Anything else is a parser choking on a setting: refuse to serve rather than fail per request.
    // The error's own text may quote the value, so only its class is kept.
    else result = new SettingError("configuration", `unreadable (${e instanceof Error ? e.name : "error"}); check CA_CERT, CA_KEY, RA_CERT, RA_KEY, NEXT_CA_CERT, RETIRED_CA_CERTS, RETIRED_CA_KEYS`);
  }
  cached = { key, result };
  return result;
}

function buildConfig(env: Env): Config {
  if (!env.CA_CERT?.trim()) throw new SettingError("CA_CERT", "missing (PEM of the issuing CA, then its chain)");
  if (!env.CA_KEY?.trim()) throw new SettingError("CA_KEY", "missing (PKCS#8 PEM secret: wrangler secret put CA_KEY)");
  const ca = loadCaMaterial({
    caCertPem: env.CA_CERT,
    caKeyPem: env.CA_KEY,
    raCertPem: env.RA_CERT?.trim() || undefined,
    raKeyPem: env.RA_KEY?.trim() || undefined,
    nextCaCertPem: env.NEXT_CA_CERT?.trim() || undefined,
  });

  const cas = buildCaSet(ca, env.RETIRED_CA_CERTS, env.RETIRED_CA_KEYS);

  const challengeModes = parseChallengeModes(env.CHALLENGE_MODE);
  const staticChallenge = env.SCEP_CHALLENGE ? utf8(env.SCEP_CHALLENGE) : undefined;
  if (challengeModes.includes("static") && !staticChallenge?.length) {
    throw new SettingError("SCEP_CHALLENGE", "missing while CHALLENGE_MODE includes static");
  }
  const intune = challengeModes.includes("intune") ? parseIntuneConfig(env as unknown as Record<string, string | undefined>) : undefined;
  const baseUrl = parseBaseUrl("PUBLIC_BASE_URL", env.PUBLIC_BASE_URL);
  const adminToken = env.ADMIN_TOKEN ? utf8(env.ADMIN_TOKEN) : undefined;
  if (adminToken && adminToken.length < 16) throw new SettingError("ADMIN_TOKEN", "too short (use at least 16 random characters)");
  const validityDays = parseInteger("CERT_VALIDITY_DAYS", env.CERT_VALIDITY_DAYS, 365, 1, 3650);
  // Autopilot/OOBE clocks can run hours behind; SCEPman backdates a day as well.
  const backdateSeconds = parseInteger("CERT_BACKDATE_MINUTES", env.CERT_BACKDATE_MINUTES, 1440, 0, 10080) * 60;
  const access = parseAccess(env.ACCESS_TEAM_DOMAIN, env.ACCESS_AUD);

  const caView = parseCertView(ca.caCertDer);
  const raView = ca.ra ? parseCertView(ca.ra.der) : undefined;
  const replySigner: SignerIdentity = ca.ra && raView ? { cert: raView, key: ca.ra.key } : { cert: caView, key: ca.caKey };
  const replyCertificates = ca.ra ? [ca.ra.der, ca.caCertDer] : [ca.caCertDer];
  const recipientKeys = [recipientKeyFor(caView, ca.caKey)];
  if (ca.ra && raView) recipientKeys.unshift(recipientKeyFor(raView, ca.ra.key));

  return {
    cas,
    ca,
    replySigner,
    replyCertificates,
    recipientKeys,
    challengeModes,
    staticChallenge,
    allowLegacyDes: parseBoolean("ALLOW_LEGACY_DES", env.ALLOW_LEGACY_DES),
    profiles: parseProfiles(env.CERT_PROFILES, defaultProfile(validityDays, backdateSeconds)),
    renewal: parseRenewalSettings(env),
    namePolicy: parseNamePolicy(env),
    maxMessageBytes: parseInteger("MAX_MESSAGE_BYTES", env.MAX_MESSAGE_BYTES, 65536, 4096, 1048576),
    capsBody: capabilitiesBody({ nextCa: Boolean(ca.nextCaDer) }),
    caCert: caCertBody({ raDer: ca.ra?.der, caDer: ca.caCertDer, chainDers: ca.chainDers }),
    nextCaCert: ca.nextCaDer
      ? nextCaCertBody({
          nextCaDer: ca.nextCaDer,
          raDer: ca.ra?.der,
          signer: { cert: caView, key: ca.caKey },
          certificates: [ca.caCertDer],
        })
      : undefined,
    manualApproval: parseApprovalMode(env.APPROVAL_MODE),
    publicBaseUrl: baseUrl,
    crlValiditySeconds: parseInteger("CRL_VALIDITY_HOURS", env.CRL_VALIDITY_HOURS, 24, 1, 24 * 90) * 3600,
    adminToken,
    access,
    intune,
  };
}

function parseChallengeModes(value: string | undefined): ChallengeMode[] {
  const modes = parseList("CHALLENGE_MODE", value ?? "static", CHALLENGE_MODES);
  if (modes.length === 0) throw new SettingError("CHALLENGE_MODE", "empty (use static, intune, one-time or a comma list)");
  return modes;
}

/**
 * APPROVAL_MODE: "auto" (default), "manual" (every new enrollment waits; renewals by a valid
 * certificate stay automatic), or "manual:<kinds>" naming challenge kinds (static, one-time,
 * intune, renewal) that wait for approval.
 */
function parseApprovalMode(value: string | undefined): ReadonlySet<string> {
  const v = (value ?? "auto").trim().toLowerCase();
  if (v === "" || v === "auto") return new Set();
  if (v === "manual") return new Set(["static", "one-time", "intune"]);
  const m = /^manual:(.+)$/.exec(v);
  if (m) {
    const kinds = m[1]!.split(",").map((k) => k.trim()).filter(Boolean);
    const known = ["static", "one-time", "intune", "renewal"];
    const unknown = kinds.find((k) => !known.includes(k));
    if (!unknown && kinds.length) return new Set(kinds);
  }
  throw new SettingError("APPROVAL_MODE", "use auto, manual, or manual:<kinds> (static, one-time, intune, renewal)");
}

/** Where issued certificates find their CA's CRL and certificate: per CA key, so they outlive a rollover. */
export function publicationUrls(config: Config, ca: IssuingCa): { crlUrl?: string; caIssuersUrl?: string } {
  if (!config.publicBaseUrl) return {};
  return { crlUrl: `${config.publicBaseUrl}/crl/${ca.keyId}`, caIssuersUrl: `${config.publicBaseUrl}/ca/${ca.keyId}.crt` };
}

/**
 * ACCESS_TEAM_DOMAIN (`<team>.cloudflareaccess.com` or its https URL) and ACCESS_AUD (the Access
 * application's AUD tag), both or neither. The team domain is the JWT issuer and serves the keys at
 * /cdn-cgi/access/certs (https://developers.cloudflare.com/cloudflare-one/access-controls/applications/http-apps/authorization-cookie/validating-json/).
 */
function parseAccess(domain: string | undefined, aud: string | undefined): Config["access"] {
  const d = domain?.trim() ?? "";
  const a = aud?.trim() ?? "";
  if (!d && !a) return undefined;
  if (!d) throw new SettingError("ACCESS_TEAM_DOMAIN", "missing while ACCESS_AUD is set (set both or neither)");
  if (!a) throw new SettingError("ACCESS_AUD", "missing while ACCESS_TEAM_DOMAIN is set (set both or neither)");
  if (!/^[\x21-\x7e]{1,256}$/.test(a)) throw new SettingError("ACCESS_AUD", "not an AUD tag (copy it from the Access application)");
  let url: URL;
  try {
    url = new URL(d.includes("://") ? d : `https://${d}`);
  } catch {
    throw new SettingError("ACCESS_TEAM_DOMAIN", "not a host name or URL");
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new SettingError("ACCESS_TEAM_DOMAIN", "must be https (plain http only for a loopback host)");
  }
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
    throw new SettingError("ACCESS_TEAM_DOMAIN", "must be the team domain alone, e.g. example.cloudflareaccess.com");
  }
  return { issuer: url.origin, certsUrl: `${url.origin}/cdn-cgi/access/certs`, audience: a };
}
