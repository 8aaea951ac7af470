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
  const denied = (reason: string, message: string, headers?: Record<string, string>): Response => {
    runtime.log("admin-auth-failed", { reason, path: url.pathname });
    return json(401, { error: "unauthorized", message }, headers);
  };
  if (config.admin.access) {
    const token = accessToken(request.headers);
    if (!token) return denied("access:missing", "a valid Cloudflare Access token is required");
    const now = runtime.now().getTime();
    let result: VerifyResult;
    try {
      result = await verifyWithCache(token, jwksCacheFor(config.admin.access.certsUrl), config.admin.access, now);
    } catch (e) {
      if (!(e instanceof JwksUnavailableError)) throw e;
      runtime.log("access-jwks-unavailable", { url: config.admin.access.certsUrl, problem: e.message });
      return json(503, { error: "access_keys_unavailable", message: "the Cloudflare Access signing keys could not be fetched; try again" });
    }
    if (!result.ok) return denied(`access:${result.reason}`, "a valid Cloudflare Access token is required");
  }
  if (config.admin.token) {
    const auth = checkBearer(request.headers.get("authorization"), config.admin.token);
    if (auth !== "ok") return denied(auth, "a valid bearer token is required", { "www-authenticate": 'Bearer realm="scep-admin"' });
  }
  return undefined;
}
