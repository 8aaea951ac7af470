// The admin API's settings (ADMIN_TOKEN, ACCESS_TEAM_DOMAIN, ACCESS_AUD). A problem here turns off
// the admin API alone (it answers 503 naming the problem); enrollment keeps working.
import { utf8 } from "../util/bytes";
import { SettingError } from "../util/setting-error";
import { isLoopbackHost } from "./primitives";
import { SettingProblems } from "./problems";

export interface AccessSettings {
  issuer: string;
  certsUrl: string;
  audience: string;
}

export interface AdminSettings {
  /** Bearer token of the admin API; the API is off without it and without `access`. */
  token?: Uint8Array;
  /** Cloudflare Access in front of the admin API (ACCESS_TEAM_DOMAIN + ACCESS_AUD): its JWT is required too. */
  access?: AccessSettings;
  /** Set when a setting is wrong: the admin API answers 503 with these, whatever else is set. */
  problems?: readonly SettingError[];
}

export function parseAdminSettings(env: { ADMIN_TOKEN?: string; ACCESS_TEAM_DOMAIN?: string; ACCESS_AUD?: string }): AdminSettings {
  const problems = new SettingProblems();
  const token = problems.read(() => {
    const t = env.ADMIN_TOKEN ? utf8(env.ADMIN_TOKEN) : undefined;
    if (t && t.length < 16) throw new SettingError("ADMIN_TOKEN", "too short (use at least 16 random characters)");
    return t;
  });
  const access = problems.read(() => parseAccess(env.ACCESS_TEAM_DOMAIN, env.ACCESS_AUD));
  return problems.list.length ? { problems: problems.list } : { token, access };
}

/**
 * ACCESS_TEAM_DOMAIN (`<team>.cloudflareaccess.com` or its https URL) and ACCESS_AUD (the Access
 * application's AUD tag), both or neither. The team domain is the JWT issuer and serves the keys at
 * /cdn-cgi/access/certs (https://developers.cloudflare.com/cloudflare-one/access-controls/applications/http-apps/authorization-cookie/validating-json/).
 */
function parseAccess(domain: string | undefined, aud: string | undefined): AccessSettings | undefined {
  const d = domain?.trim() ?? "";
  const a = aud?.trim() ?? "";
  if (!d && !a) return undefined;
  if (!d) throw new SettingError("ACCESS_TEAM_DOMAIN", "missing while ACCESS_AUD is set (set both or neither)");
  if (!a) throw new SettingError("ACCESS_AUD", "missing while ACCESS_TEAM_DOMAIN is set (set both or neither)");
  if (!/^[\x21-\x7e]{1,256}$/.test(a)) throw new SettingError("ACCESS_AUD", "not an AUD tag (copy it from the Access application)");
  let url: URL;
  try {
    url = new URL(d.includes("://") ? d : `https://${d}`);
  } catch (e) {
    throw new SettingError("ACCESS_TEAM_DOMAIN", "not a host name or URL", { cause: e });
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
