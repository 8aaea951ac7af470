// Env -> validated Config, once per isolate. Every setting is read and every problem reported at
// once (settings/problems.ts); a problem that stops SCEP makes the Worker refuse to serve (HTTP 503
// naming the settings) rather than fail per device; an admin-only problem turns off the admin API.
import { loadCaMaterial, type CaMaterial } from "./ca/ca-material";
import { buildCaSet, type CaSet, type IssuingCa } from "./ca/ca-set";
import { parseNamePolicy, type NamePolicy } from "./ca/name-policy";
import { parseProfiles } from "./ca/profile-settings";
import { defaultProfile, type CertificateProfile } from "./ca/profiles";
import type { Env } from "./env";
import { parseIntuneConfig, type IntuneConfig } from "./intune";
import { issuerHashes, type IssuerHashes } from "./ocsp/cert-id";
import { caCertBody, capabilitiesBody, nextCaCertBody, type CaCertBody } from "./scep/ca-bodies";
import { recipientKeyFor, type RecipientKey } from "./scep/envelope";
import type { SignerIdentity } from "./scep/signed-data";
import { CHALLENGE_MODES, type ChallengeMode } from "./challenge/select";
import { parseAdminSettings, type AdminSettings } from "./settings/admin";
import { parseOcspSettings, type OcspSettings } from "./settings/ocsp";
import { parseBaseUrl, parseBoolean, parseInteger, parseList } from "./settings/primitives";
import { ConfigError, SettingProblems } from "./settings/problems";
import { parseRenewalSettings, type RenewalSettings } from "./settings/renewal";
import { defaultNumber, defaultText, SETTINGS } from "./settings/table";
import { utf8 } from "./util/bytes";
import { SettingError } from "./util/setting-error";
import { parseCertView } from "./x509/cert-view";

export { ConfigError } from "./settings/problems";
/** The Rate Limiting bindings' period (wrangler.toml [[ratelimits]]): the abuse guard's penalty and Retry-After. */
export { RATE_LIMIT_PERIOD_SECONDS } from "./settings/table";

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
  /** OCSP_* settings (docs/ocsp.md). */
  ocsp: OcspSettings;
  /** Every CA of `cas` with the CertID hashes of its name and key (RFC 6960 §4.1.1), computed once. */
  ocspIssuers: OcspIssuer[];
  /** ADMIN_TOKEN and ACCESS_*: the admin API's own settings, or its problems. */
  admin: AdminSettings;
  /** Entra/Graph/Intune settings when CHALLENGE_MODE includes intune. */
  intune?: IntuneConfig;
}

/** A CA as the OCSP responder finds it from a CertID. */
export interface OcspIssuer {
  ca: IssuingCa;
  hashes: IssuerHashes;
}

let cached: { key: string; result: Config | ConfigError } | undefined;
/** workerd hands every request of an isolate the same env object: checked first, it spares the key. */
const byEnv = new WeakMap<object, Config | ConfigError>();

/** wrangler passes a `[vars]` table as an object (CERT_PROFILES may be one). */
function settingText(value: unknown): string {
  if (value === undefined || value === null) return "\u0000";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parses and checks the configuration; the result (or the error) is kept for the isolate's life. */
export function loadConfig(env: Env): Config | ConfigError {
  const known = byEnv.get(env);
  if (known) return known;
  // Another env object (tests, a new isolate's first request): the settings decide.
  const key = SETTINGS.map((spec) => settingText(env[spec.name])).join("\u0001");
  if (cached?.key !== key) cached = { key, result: buildConfig(env) };
  byEnv.set(env, cached.result);
  return cached.result;
}

function buildConfig(env: Env): Config | ConfigError {
  const problems = new SettingProblems();
  const read = <T>(parse: () => T) => problems.read(parse);
  if (!env.CA_CERT?.trim()) problems.add("CA_CERT", "missing (PEM of the issuing CA, then its chain)");
  if (!env.CA_KEY?.trim()) problems.add("CA_KEY", "missing (PKCS#8 PEM secret: wrangler secret put CA_KEY)");
  const ca =
    problems.list.length === 0
      ? read(() =>
          loadCaMaterial({
            caCertPem: env.CA_CERT!,
            caKeyPem: env.CA_KEY!,
            raCertPem: env.RA_CERT?.trim() || undefined,
            raKeyPem: env.RA_KEY?.trim() || undefined,
            nextCaCertPem: env.NEXT_CA_CERT?.trim() || undefined,
          }),
        )
      : undefined;
  const cas = ca && read(() => buildCaSet(ca, env.RETIRED_CA_CERTS, env.RETIRED_CA_KEYS));

  const challengeModes = read(() => parseChallengeModes(env.CHALLENGE_MODE));
  const staticChallenge = env.SCEP_CHALLENGE ? utf8(env.SCEP_CHALLENGE) : undefined;
  if (challengeModes?.includes("static") && !staticChallenge?.length) problems.add("SCEP_CHALLENGE", "missing while CHALLENGE_MODE includes static");
  const intune = challengeModes?.includes("intune") ? read(() => parseIntuneConfig(env as unknown as Record<string, string | undefined>)) : undefined;
  const publicBaseUrl = read(() => parseBaseUrl("PUBLIC_BASE_URL", env.PUBLIC_BASE_URL));
  const validityDays = read(() => parseInteger("CERT_VALIDITY_DAYS", env.CERT_VALIDITY_DAYS, defaultNumber("CERT_VALIDITY_DAYS"), 1, 3650));
  // Autopilot/OOBE clocks can run hours behind; SCEPman backdates a day as well.
  const backdateMinutes = read(() =>
    parseInteger("CERT_BACKDATE_MINUTES", env.CERT_BACKDATE_MINUTES, defaultNumber("CERT_BACKDATE_MINUTES"), 0, 10080),
  );
  const profiles =
    validityDays !== undefined && backdateMinutes !== undefined
      ? read(() => parseProfiles(env.CERT_PROFILES, defaultProfile(validityDays, backdateMinutes * 60)))
      : undefined;
  const settings = {
    allowLegacyDes: read(() => parseBoolean("ALLOW_LEGACY_DES", env.ALLOW_LEGACY_DES)),
    renewal: read(() => parseRenewalSettings(env)),
    namePolicy: read(() => parseNamePolicy(env)),
    maxMessageBytes: read(() => parseInteger("MAX_MESSAGE_BYTES", env.MAX_MESSAGE_BYTES, defaultNumber("MAX_MESSAGE_BYTES"), 4096, 1048576)),
    manualApproval: read(() => parseApprovalMode(env.APPROVAL_MODE)),
    crlValidityHours: read(() => parseInteger("CRL_VALIDITY_HOURS", env.CRL_VALIDITY_HOURS, defaultNumber("CRL_VALIDITY_HOURS"), 1, 24 * 90)),
    ocsp: read(() => parseOcspSettings(env)),
  };
  if (problems.list.length > 0) return new ConfigError(problems.list);
  // Every value below was read without a problem.
  return assemble(ca!, cas!, {
    challengeModes: challengeModes!,
    staticChallenge,
    intune,
    publicBaseUrl,
    profiles: profiles!,
    allowLegacyDes: settings.allowLegacyDes!,
    renewal: settings.renewal!,
    namePolicy: settings.namePolicy!,
    maxMessageBytes: settings.maxMessageBytes!,
    manualApproval: settings.manualApproval!,
    crlValiditySeconds: settings.crlValidityHours! * 3600,
    ocsp: settings.ocsp!,
    admin: parseAdminSettings(env),
  });
}

type ReadSettings = Pick<
  Config,
  | "challengeModes"
  | "staticChallenge"
  | "intune"
  | "publicBaseUrl"
  | "profiles"
  | "allowLegacyDes"
  | "renewal"
  | "namePolicy"
  | "maxMessageBytes"
  | "manualApproval"
  | "crlValiditySeconds"
  | "ocsp"
  | "admin"
>;

/** The CA-derived parts: who signs replies, who may receive envelopes, the precomputed GET bodies. */
function assemble(ca: CaMaterial, cas: CaSet, read: ReadSettings): Config {
  const caView = parseCertView(ca.caCertDer);
  const raView = ca.ra ? parseCertView(ca.ra.der) : undefined;
  const replySigner: SignerIdentity = ca.ra && raView ? { cert: raView, key: ca.ra.key } : { cert: caView, key: ca.caKey };
  const recipientKeys = [recipientKeyFor(caView, ca.caKey)];
  if (ca.ra && raView) recipientKeys.unshift(recipientKeyFor(raView, ca.ra.key));
  return {
    ...read,
    cas,
    ca,
    replySigner,
    replyCertificates: ca.ra ? [ca.ra.der, ca.caCertDer] : [ca.caCertDer],
    recipientKeys,
    capsBody: capabilitiesBody({ nextCa: Boolean(ca.nextCaDer) }),
    caCert: caCertBody({ raDer: ca.ra?.der, caDer: ca.caCertDer, chainDers: ca.chainDers }),
    nextCaCert: ca.nextCaDer
      ? nextCaCertBody({ nextCaDer: ca.nextCaDer, raDer: ca.ra?.der, signer: { cert: caView, key: ca.caKey }, certificates: [ca.caCertDer] })
      : undefined,
    ocspIssuers: cas.all.map((issuing) => ({ ca: issuing, hashes: issuerHashes(issuing.material.caSubjectDer, issuing.material.caSpkiDer) })),
  };
}

function parseChallengeModes(value: string | undefined): ChallengeMode[] {
  const modes = parseList("CHALLENGE_MODE", value ?? defaultText("CHALLENGE_MODE"), CHALLENGE_MODES);
  if (modes.length === 0) throw new SettingError("CHALLENGE_MODE", "empty (use static, intune, one-time or a comma list)");
  return modes;
}

/**
 * APPROVAL_MODE: "auto" (default), "manual" (every new enrollment waits; renewals by a valid
 * certificate stay automatic), or "manual:<kinds>" naming challenge kinds (static, one-time,
 * intune, renewal) that wait for approval.
 */
function parseApprovalMode(value: string | undefined): ReadonlySet<string> {
  const v = (value ?? defaultText("APPROVAL_MODE")).trim().toLowerCase();
  if (v === "" || v === "auto") return new Set();
  if (v === "manual") return new Set(["static", "one-time", "intune"]);
  const m = /^manual:(.+)$/.exec(v);
  if (m) {
    const kinds = m[1]!
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean);
    const known = ["static", "one-time", "intune", "renewal"];
    const unknown = kinds.find((k) => !known.includes(k));
    if (!unknown && kinds.length) return new Set(kinds);
  }
  throw new SettingError("APPROVAL_MODE", "use auto, manual, or manual:<kinds> (static, one-time, intune, renewal)");
}

/**
 * Where issued certificates find their CA's CRL and certificate (per CA key, so they outlive a
 * rollover) and the OCSP responder (one URL: the CertID names the CA).
 */
export function publicationUrls(config: Config, ca: IssuingCa): { crlUrl?: string; caIssuersUrl?: string; ocspUrl?: string } {
  if (!config.publicBaseUrl) return {};
  return {
    crlUrl: `${config.publicBaseUrl}/crl/${ca.keyId}`,
    caIssuersUrl: `${config.publicBaseUrl}/ca/${ca.keyId}.crt`,
    ...(config.ocsp.mode === "off" ? {} : { ocspUrl: `${config.publicBaseUrl}/ocsp` }),
  };
}
