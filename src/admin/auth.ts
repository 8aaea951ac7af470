// Admin API authentication: a bearer token compared in constant time (ADMIN_TOKEN) and, when
// ACCESS_TEAM_DOMAIN and ACCESS_AUD are set, a Cloudflare Access JWT as well (src/admin/access-jwt.ts).
import type { Config } from "../config";
import type { Runtime } from "../enroll/ports";
import { constantTimeEqual, utf8 } from "../util/bytes";
import { accessToken, jwksCacheFor, JwksUnavailableError, verifyWithCache, type VerifyResult } from "./access-jwt";
import { json } from "./json";

export type AuthResult = "ok" | "missing" | "wrong";

function checkBearer(header: string | null, expected: Uint8Array): AuthResult {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return "missing";
  return constantTimeEqual(utf8(m[1]!), expected) ? "ok" : "wrong";
}

/**
 * Undefined when the request may proceed, else the response to send. With Access configured its
 * JWT is checked first, then the bearer token too when ADMIN_TOKEN is set (defence in depth: a
 * route that bypasses Access still needs the token); without ADMIN_TOKEN, Access alone decides.
 * The client never learns which check failed; the log does (never the token).
 */
export async function authenticateAdmin(request: Request, url: URL, config: Config, runtime: Runtime): Promise<Response | undefined> {
  const denied = await checkAccess(request, url, config, runtime);
  if (denied) return denied;
  if (config.admin.token) {
    const auth = checkBearer(request.headers.get("authorization"), config.admin.token);
    if (auth !== "ok") {
      logDenied(runtime, auth, url);
      return json(401, { error: "unauthorized", message: "a valid bearer token is required" }, { "www-authenticate": 'Bearer realm="scep-admin"' });
    }
  }
  return undefined;
}

/** The admin token as typed into the console's sign-in form, compared in constant time. */
export function checkToken(given: string, config: Config): AuthResult {
  if (!config.admin.token) return "ok";
  if (given === "") return "missing";
  return constantTimeEqual(utf8(given), config.admin.token) ? "ok" : "wrong";
}

export function logDenied(runtime: Runtime, reason: string, url: URL): void {
  runtime.log("admin-auth-failed", { reason, path: url.pathname });
}

/**
 * The Cloudflare Access part alone (the API and the console both need it when it is configured):
 * undefined when Access is off or its JWT verifies, else the response to send.
 */
export async function checkAccess(request: Request, url: URL, config: Config, runtime: Runtime): Promise<Response | undefined> {
  if (!config.admin.access) return undefined;
  const denied = (reason: string): Response => {
    logDenied(runtime, reason, url);
    return json(401, { error: "unauthorized", message: "a valid Cloudflare Access token is required" });
  };
  const token = accessToken(request.headers);
  if (!token) return denied("access:missing");
  const now = runtime.now().getTime();
  let result: VerifyResult;
  try {
    result = await verifyWithCache(token, jwksCacheFor(config.admin.access.certsUrl), config.admin.access, now);
  } catch (e) {
    if (!(e instanceof JwksUnavailableError)) throw e;
    runtime.log("access-jwks-unavailable", { url: config.admin.access.certsUrl, problem: e.message });
    return json(503, { error: "access_keys_unavailable", message: "the Cloudflare Access signing keys could not be fetched; try again" });
  }
  return result.ok ? undefined : denied(`access:${result.reason}`);
}
