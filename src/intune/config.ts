// Intune validation settings from the Worker's vars and secrets (names are the configuration
// contract, docs/configuration.md). Nothing here does I/O: tokens and discovery load lazily.
import { isLoopbackHost } from "../settings/primitives";
import { defaultNumber, defaultText } from "../settings/table";
import { IntuneConfigError } from "./config-error";
import { CLOUD_NAMES, CLOUDS, cloudsOfUrl, graphScope, intuneScope, type CloudName } from "./clouds";
import { parseCredential, type IntuneCredential } from "./credential";

export { IntuneConfigError };

export interface IntuneConfig {
  tenantId: string;
  clientId: string;
  /** A client secret or a certificate that signs client assertions (credential.ts). */
  credential: IntuneCredential;
  /** INTUNE_CLOUD: the preset the URLs and resources below came from. */
  cloud: CloudName;
  /** No trailing slash, e.g. "https://login.microsoftonline.com". */
  authorityUrl: string;
  /** No trailing slash, e.g. "https://graph.microsoft.com". Where Graph requests go. */
  graphBaseUrl: string;
  /** `<Graph resource of the cloud>/.default`: never follows GRAPH_BASE_URL (a proxy or a fake may stand there). */
  graphScope: string;
  /** INTUNE_RESOURCE_URL (or the cloud's), with its trailing slash. */
  intuneResourceUrl: string;
  /** `<Intune resource>/.default`, hence the double slash of the reference library. */
  intuneScope: string;
  /** Sent as `callerInfo` in every ScepActions body. */
  callerInfo: string;
  /** Lifetime of the discovered service URI in KV and memory, 60..86400 s. */
  discoveryTtlSeconds: number;
  /** Revocation requests from Intune (src/intune/revocation-sync.ts). */
  revocation: { enabled: boolean; batchSize: number };
}

export const DEFAULT_CALLER_INFO = "EdgeSCEP/0.1";
export const MAX_DISCOVERY_TTL_SECONDS = 86_400;
const MIN_DISCOVERY_TTL_SECONDS = 60; // Workers KV's minimum expirationTtl
/** Microsoft recommends at most 100 revocation requests per download (the default); the reference library allows 500. */
export const DEFAULT_REVOCATION_BATCH = defaultNumber("INTUNE_REVOCATION_BATCH");
const MAX_REVOCATION_BATCH = 500;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A verified domain such as contoso.onmicrosoft.com is accepted by Entra in place of the GUID.
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function parseIntuneConfig(env: Record<string, string | undefined>): IntuneConfig {
  const tenantId = required(env, "INTUNE_TENANT_ID");
  if (!GUID.test(tenantId) && !DOMAIN.test(tenantId)) {
    throw new IntuneConfigError("INTUNE_TENANT_ID", "must be a tenant GUID or a domain name");
  }
  const clientId = required(env, "INTUNE_CLIENT_ID");
  if (!GUID.test(clientId)) throw new IntuneConfigError("INTUNE_CLIENT_ID", "must be an application (client) GUID");
  const credential = parseCredential(env);
  const callerInfo = optional(env, "INTUNE_CALLER_INFO") ?? DEFAULT_CALLER_INFO;
  if (callerInfo.length > 255) throw new IntuneConfigError("INTUNE_CALLER_INFO", "at most 255 characters");
  const cloud = parseCloud(optional(env, "INTUNE_CLOUD"));
  const preset = CLOUDS[cloud];
  const authorityUrl = inCloud(
    "ENTRA_AUTHORITY_URL",
    baseUrl("ENTRA_AUTHORITY_URL", optional(env, "ENTRA_AUTHORITY_URL") ?? preset.authorityUrl),
    cloud,
  );
  const graphBaseUrl = inCloud("GRAPH_BASE_URL", baseUrl("GRAPH_BASE_URL", optional(env, "GRAPH_BASE_URL") ?? preset.graphBaseUrl), cloud);
  const intuneResourceUrl = inCloud("INTUNE_RESOURCE_URL", resourceUrl(optional(env, "INTUNE_RESOURCE_URL") ?? preset.intuneResourceUrl), cloud);
  return {
    tenantId,
    clientId,
    credential,
    cloud,
    authorityUrl,
    graphBaseUrl,
    graphScope: graphScope(preset.graphBaseUrl),
    intuneResourceUrl,
    intuneScope: intuneScope(intuneResourceUrl),
    callerInfo,
    discoveryTtlSeconds: discoveryTtl(optional(env, "INTUNE_DISCOVERY_TTL_SECONDS")),
    revocation: {
      enabled: onOff(optional(env, "INTUNE_REVOCATION_SYNC")),
      batchSize: revocationBatch(optional(env, "INTUNE_REVOCATION_BATCH")),
    },
  };
}

function parseCloud(value: string | undefined): CloudName {
  const name = (value ?? defaultText("INTUNE_CLOUD")).toLowerCase();
  if (!(CLOUD_NAMES as readonly string[]).includes(name)) throw new IntuneConfigError("INTUNE_CLOUD", `use one of ${CLOUD_NAMES.join(", ")}`);
  return name as CloudName;
}

/**
 * A Microsoft host of another cloud next to this preset is a mistake Entra would only report as
 * AADSTS500011 on the first enrollment: refuse it now, naming INTUNE_CLOUD. Other hosts (a proxy,
 * a local fake) are the admin's to choose.
 */
function inCloud(setting: string, url: string, cloud: CloudName): string {
  const clouds = cloudsOfUrl(url);
  if (clouds && !clouds.includes(cloud)) {
    throw new IntuneConfigError("INTUNE_CLOUD", `${setting} is a host of the ${clouds.join("/")} cloud: set INTUNE_CLOUD to match (now ${cloud})`);
  }
  return url;
}

/** An OAuth resource identifier: an https URL, never fetched. Kept with exactly one trailing slash. */
function resourceUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new IntuneConfigError("INTUNE_RESOURCE_URL", "not an absolute URL");
  }
  if (url.protocol !== "https:" || url.username || url.password || url.search || url.hash) {
    throw new IntuneConfigError("INTUNE_RESOURCE_URL", "must be an https URL without credentials, query or fragment");
  }
  return `${url.href.replace(/\/+$/, "")}/`;
}

function onOff(value: string | undefined): boolean {
  const v = (value ?? defaultText("INTUNE_REVOCATION_SYNC")).toLowerCase();
  if (v === "on" || v === "true") return true;
  if (v === "off" || v === "false") return false;
  throw new IntuneConfigError("INTUNE_REVOCATION_SYNC", "use on or off");
}

function revocationBatch(value: string | undefined): number {
  if (value === undefined) return DEFAULT_REVOCATION_BATCH;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_REVOCATION_BATCH) {
    throw new IntuneConfigError("INTUNE_REVOCATION_BATCH", `must be an integer from 1 to ${MAX_REVOCATION_BATCH}`);
  }
  return n;
}

/**
 * https, or plain http to a loopback host (local fakes). No credentials, query or fragment.
 * Returns the URL without a trailing slash. Also used for the URI that discovery returns.
 */
export function checkServiceUrl(text: string): { ok: true; url: string } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "not an absolute URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not contain credentials" };
  if (url.search || url.hash) return { ok: false, reason: "must not contain a query or fragment" };
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return { ok: false, reason: "http is only allowed for a loopback host (127.0.0.0/8, localhost, [::1]); use https" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "must be an https URL" };
  return { ok: true, url: url.href.replace(/\/+$/, "") };
}

function baseUrl(setting: string, value: string): string {
  const checked = checkServiceUrl(value);
  if (!checked.ok) throw new IntuneConfigError(setting, checked.reason);
  return checked.url;
}

function discoveryTtl(value: string | undefined): number {
  if (value === undefined) return MAX_DISCOVERY_TTL_SECONDS;
  if (!/^\d+$/.test(value)) throw new IntuneConfigError("INTUNE_DISCOVERY_TTL_SECONDS", "must be a whole number of seconds");
  const n = Number(value);
  if (n < MIN_DISCOVERY_TTL_SECONDS || n > MAX_DISCOVERY_TTL_SECONDS) {
    throw new IntuneConfigError("INTUNE_DISCOVERY_TTL_SECONDS", `must be between ${MIN_DISCOVERY_TTL_SECONDS} and ${MAX_DISCOVERY_TTL_SECONDS}`);
  }
  return n;
}

function optional(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new IntuneConfigError(name, "is required for Intune challenge validation");
  return value;
}
