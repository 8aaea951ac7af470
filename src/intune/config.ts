// Intune validation settings from the Worker's vars and secrets (names are the configuration
// contract, docs/configuration.md). Nothing here does I/O: tokens and discovery load lazily.
import { isLoopbackHost } from "../settings/primitives";
import { SettingError } from "../util/setting-error";

export interface IntuneConfig {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** No trailing slash, e.g. "https://login.microsoftonline.com". */
  authorityUrl: string;
  /** No trailing slash, e.g. "https://graph.microsoft.com". */
  graphBaseUrl: string;
  /** Sent as `callerInfo` in every ScepActions body. */
  callerInfo: string;
  /** Lifetime of the discovered service URI in KV and memory, 60..86400 s. */
  discoveryTtlSeconds: number;
}

export const DEFAULT_AUTHORITY_URL = "https://login.microsoftonline.com";
export const DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com";
export const DEFAULT_CALLER_INFO = "EdgeSCEP/0.1";
export const MAX_DISCOVERY_TTL_SECONDS = 86_400;
const MIN_DISCOVERY_TTL_SECONDS = 60; // Workers KV's minimum expirationTtl

/** Names the offending setting; never carries the value of a secret. */
export class IntuneConfigError extends SettingError {
  constructor(setting: string, reason: string) {
    super(setting, reason);
    this.name = "IntuneConfigError";
  }
}

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
  const clientSecret = required(env, "INTUNE_CLIENT_SECRET");
  const callerInfo = optional(env, "INTUNE_CALLER_INFO") ?? DEFAULT_CALLER_INFO;
  if (callerInfo.length > 255) throw new IntuneConfigError("INTUNE_CALLER_INFO", "at most 255 characters");
  return {
    tenantId,
    clientId,
    clientSecret,
    authorityUrl: baseUrl("ENTRA_AUTHORITY_URL", optional(env, "ENTRA_AUTHORITY_URL") ?? DEFAULT_AUTHORITY_URL),
    graphBaseUrl: baseUrl("GRAPH_BASE_URL", optional(env, "GRAPH_BASE_URL") ?? DEFAULT_GRAPH_BASE_URL),
    callerInfo,
    discoveryTtlSeconds: discoveryTtl(optional(env, "INTUNE_DISCOVERY_TTL_SECONDS")),
  };
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
    throw new IntuneConfigError(
      "INTUNE_DISCOVERY_TTL_SECONDS",
      `must be between ${MIN_DISCOVERY_TTL_SECONDS} and ${MAX_DISCOVERY_TTL_SECONDS}`,
    );
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
