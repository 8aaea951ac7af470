// Admin console sessions: the admin token is typed once into the sign-in form and exchanged for a
// short-lived cookie, so the token itself never sits in a browser. The cookie is
// `<id>.<expiry seconds>.<HMAC>`, signed with a key no one has to configure: derived from the CA key
// (src/crypto/derived-secret.ts) and bound to ADMIN_TOKEN, so changing the token or the CA key ends
// every session. A logout is remembered by the ledger until the session's expiry (ledger
// session-store), so a copied cookie stops working too.
//
// Cookies on plain http: `Secure` cookies and the `__Host-` prefix need a secure context. On https
// the cookie is `__Host-edge-scep-console; Secure; HttpOnly; SameSite=Strict; Path=/`. Browsers
// treat http://127.0.0.1 and http://localhost as potentially trustworthy, but not every client does
// for `Secure` cookies, so on a loopback host over plain http (wrangler dev, the tests) the cookie
// is `edge-scep-console` without `Secure` (still HttpOnly and SameSite=Strict): nothing leaves the
// machine there. On any other host over plain http the console refuses to sign in.
import { createHmac } from "node:crypto";
import type { Config } from "../config";
import { derivedSecret } from "../crypto/derived-secret";
import { isLoopbackHost } from "../settings/primitives";
import { constantTimeEqual, utf8 } from "../util/bytes";

/** A session lasts this long from sign-in, whatever happens; then the admin signs in again. */
export const SESSION_SECONDS = 30 * 60;
const SECURE_NAME = "__Host-edge-scep-console";
const LOOPBACK_NAME = "edge-scep-console";
const COOKIE_VALUE = /^([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export interface ConsoleSession {
  id: string;
  /** ms since the epoch */
  expiresAt: number;
  /** The CSRF token every state-changing form of this session carries. */
  csrf: string;
}

interface CookieScheme {
  name: string;
  attributes: string;
}

/** How the session cookie is set on this origin, or undefined where the console must not sign in. */
export function cookieScheme(url: URL): CookieScheme | undefined {
  const base = "Path=/; HttpOnly; SameSite=Strict";
  if (url.protocol === "https:") return { name: SECURE_NAME, attributes: `${base}; Secure` };
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return { name: LOOPBACK_NAME, attributes: base };
  return undefined;
}

export function startSession(config: Config, scheme: CookieScheme, now: number, random: Uint8Array): { session: ConsoleSession; setCookie: string } {
  const id = base64url(random.slice(0, 16));
  const exp = Math.floor(now / 1000) + SESSION_SECONDS;
  const value = `${id}.${exp}.${mac(config, `session|${id}|${exp}`)}`;
  return {
    session: { id, expiresAt: exp * 1000, csrf: mac(config, `csrf|${id}`) },
    setCookie: `${scheme.name}=${value}; Max-Age=${SESSION_SECONDS}; ${scheme.attributes}`,
  };
}

/** The session the request's cookie proves, when it is genuine and unexpired (a logout is checked by the caller). */
export function readSession(request: Request, config: Config, scheme: CookieScheme, now: number): ConsoleSession | undefined {
  const value = cookie(request.headers.get("cookie"), scheme.name);
  const m = value === undefined ? null : COOKIE_VALUE.exec(value);
  if (!m) return undefined;
  const [, id, exp, given] = m as unknown as [string, string, string, string];
  if (!constantTimeEqual(utf8(given), utf8(mac(config, `session|${id}|${exp}`)))) return undefined;
  const expiresAt = Number(exp) * 1000;
  if (expiresAt <= now) return undefined;
  return { id, expiresAt, csrf: mac(config, `csrf|${id}`) };
}

export function clearCookie(scheme: CookieScheme): string {
  return `${scheme.name}=; Max-Age=0; ${scheme.attributes}`;
}

export function csrfMatches(session: ConsoleSession, given: string | null): boolean {
  return given !== null && constantTimeEqual(utf8(given), utf8(session.csrf));
}

/**
 * HMAC-SHA256 under a key derived from the CA key, bound to ADMIN_TOKEN. Workers have no place to
 * keep a generated secret across isolates, and a new setting would be one more thing to rotate.
 */
function mac(config: Config, message: string): string {
  const base = derivedSecret(config.ca.caKey, "edge-scep admin console session v1");
  const key = createHmac("sha256", base)
    .update(config.admin.token ?? new Uint8Array(0))
    .digest();
  return base64url(createHmac("sha256", key).update(message).digest());
}

function cookie(header: string | null, name: string): string | undefined {
  for (const pair of (header ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}
