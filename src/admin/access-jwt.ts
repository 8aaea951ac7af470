// Cloudflare Access application tokens for the admin API (ACCESS_TEAM_DOMAIN + ACCESS_AUD).
// Access puts a signed JWT on every request it lets through, in the Cf-Access-Jwt-Assertion header
// and the CF_Authorization cookie; the origin must verify it against the team's public keys at
// https://<team>.cloudflareaccess.com/cdn-cgi/access/certs, and check `aud` (the application's AUD
// tag), `iss` (the team domain) and the validity times. See
// https://developers.cloudflare.com/cloudflare-one/access-controls/applications/http-apps/authorization-cookie/validating-json/
// Access signs with RS256; ES256 is accepted too since WebCrypto verifies it for free.
import { decodeBase64Url } from "../asn1/base64";

export interface Jwk {
  kty?: string;
  kid?: string;
  alg?: string;
  use?: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}
export interface Jwks {
  keys: Jwk[];
}
export interface AccessExpectation {
  /** Origin of the team domain, e.g. https://example.cloudflareaccess.com: the `iss` claim. */
  issuer: string;
  /** AUD tag of the Access application: one of the `aud` claim's values. */
  audience: string;
}
export interface AccessClaims {
  iss: string;
  aud: string | string[];
  exp: number;
  iat?: number;
  nbf?: number;
  sub?: string;
  email?: string;
  [claim: string]: unknown;
}

export type VerifyFailure =
  | "malformed"
  | "unsupported-alg"
  | "unknown-kid"
  | "bad-key"
  | "bad-signature"
  | "wrong-issuer"
  | "wrong-audience"
  | "expired"
  | "not-yet-valid";
export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: VerifyFailure };

/** Clock difference tolerated between Access and this Worker on exp, nbf and iat. */
export const CLOCK_SKEW_SECONDS = 60;
const MAX_TOKEN_LENGTH = 16 * 1024;
const B64URL = /^[A-Za-z0-9_-]+$/;

const ALGORITHMS = {
  RS256: { kty: "RSA", import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  ES256: { kty: "EC", import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
} as const;
type Alg = keyof typeof ALGORITHMS;

/**
 * Verifies an Access JWT against a key set at time `nowMs`. The signature is checked before any
 * claim is believed. Only RS256 and ES256 with a `kid` naming a key of the set are accepted
 * ("none" and HMAC never are: the keys are public).
 */
export async function verifyAccessJwt(token: string, jwks: Jwks, expect: AccessExpectation, nowMs: number): Promise<VerifyResult> {
  const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason });
  if (token.length > MAX_TOKEN_LENGTH) return fail("malformed");
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return fail("malformed");
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const claims = decodeJson(p);
  if (!header || !claims) return fail("malformed");
  if (typeof header.alg !== "string" || !Object.hasOwn(ALGORITHMS, header.alg)) return fail("unsupported-alg");
  const alg = ALGORITHMS[header.alg as Alg];
  if (typeof header.kid !== "string") return fail("malformed");
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return fail("unknown-kid");
  if (jwk.kty !== alg.kty || (jwk.alg !== undefined && jwk.alg !== header.alg) || (jwk.use !== undefined && jwk.use !== "sig")) {
    return fail("bad-key");
  }
  let key: CryptoKey;
  try {
    const material = alg.kty === "RSA" ? { kty: "RSA", n: jwk.n, e: jwk.e } : { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
    key = await crypto.subtle.importKey("jwk", material as JsonWebKey, alg.import, false, ["verify"]);
  } catch {
    return fail("bad-key");
  }
  const signed = new TextEncoder().encode(`${h}.${p}`);
  let valid = false;
  try {
    const signature = decodeBase64Url(s);
    valid = signature !== undefined && (await crypto.subtle.verify(alg.verify, key, signature, signed));
  } catch {
    valid = false;
  }
  if (!valid) return fail("bad-signature");
  return checkClaims(claims, expect, nowMs);
}

/** The registered claims Access sets (RFC 7519 §4.1), with CLOCK_SKEW_SECONDS of tolerance. */
function checkClaims(claims: Record<string, unknown>, expect: AccessExpectation, nowMs: number): VerifyResult {
  const now = nowMs / 1000;
  if (claims.iss !== expect.issuer) return { ok: false, reason: "wrong-issuer" };
  const aud = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.includes(expect.audience)) return { ok: false, reason: "wrong-audience" };
  if (typeof claims.exp !== "number" || !(claims.exp > now - CLOCK_SKEW_SECONDS)) return { ok: false, reason: "expired" };
  for (const name of ["nbf", "iat"] as const) {
    const t = claims[name];
    if (t === undefined) continue;
    if (typeof t !== "number" || !(t <= now + CLOCK_SKEW_SECONDS)) return { ok: false, reason: "not-yet-valid" };
  }
  return { ok: true, claims: claims as AccessClaims };
}

/** The token of a request: the Cf-Access-Jwt-Assertion header, else the CF_Authorization cookie. */
export function accessToken(headers: Headers): string | undefined {
  const assertion = headers.get("cf-access-jwt-assertion")?.trim();
  if (assertion) return assertion;
  for (const pair of (headers.get("cookie") ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === "CF_Authorization") return pair.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

export class JwksUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JwksUnavailableError";
  }
}

export type JwksFetcher = (url: string) => Promise<Response>;

/**
 * The team's key set, kept in isolate memory for `ttlMs`. Access rotates its signing key every
 * 6 weeks by default (the certs document lists the current and the previous key, per the page cited
 * above), so a token with an unknown `kid` triggers one refetch,
 * at most every `minRefetchMs` so that forged kids cannot turn into a stream of fetches.
 */
export class JwksCache {
  private entry?: { jwks: Jwks; fetchedAt: number };
  private inflight?: Promise<Jwks>;

  constructor(
    readonly url: string,
    private readonly fetcher: JwksFetcher = (u) => fetch(u, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(5000) }),
    private readonly ttlMs = 10 * 60_000,
    private readonly minRefetchMs = 30_000,
  ) {}

  /** The cached set, fetched when absent or older than the TTL. Throws JwksUnavailableError. */
  async get(nowMs: number): Promise<Jwks> {
    if (this.entry && nowMs - this.entry.fetchedAt < this.ttlMs) return this.entry.jwks;
    return this.refresh(nowMs);
  }

  /** A fresh set after an unknown kid, or undefined when the cached one is too recent to refetch. */
  async refetchForUnknownKid(nowMs: number): Promise<Jwks | undefined> {
    if (this.entry && nowMs - this.entry.fetchedAt < this.minRefetchMs) return undefined;
    return this.refresh(nowMs);
  }

  private refresh(nowMs: number): Promise<Jwks> {
    this.inflight ??= this.load(nowMs).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async load(nowMs: number): Promise<Jwks> {
    let res: Response;
    try {
      res = await this.fetcher(this.url);
    } catch (e) {
      throw new JwksUnavailableError(`fetch failed (${e instanceof Error ? e.name : "error"})`);
    }
    if (!res.ok) throw new JwksUnavailableError(`HTTP ${res.status}`);
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new JwksUnavailableError("not JSON");
    }
    const keys = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new JwksUnavailableError("no keys array");
    const jwks: Jwks = { keys: keys.filter((k): k is Jwk => typeof k === "object" && k !== null) };
    this.entry = { jwks, fetchedAt: nowMs };
    return jwks;
  }
}

const caches = new Map<string, JwksCache>();

/** One cache per certs URL for the isolate's life. */
export function jwksCacheFor(url: string): JwksCache {
  const cache = caches.get(url) ?? new JwksCache(url);
  caches.set(url, cache);
  return cache;
}

/** Verifies with the cached key set, refetching once when the token names an unknown kid. */
export async function verifyWithCache(token: string, cache: JwksCache, expect: AccessExpectation, nowMs: number): Promise<VerifyResult> {
  const result = await verifyAccessJwt(token, await cache.get(nowMs), expect, nowMs);
  if (result.ok || result.reason !== "unknown-kid") return result;
  const fresh = await cache.refetchForUnknownKid(nowMs);
  return fresh ? verifyAccessJwt(token, fresh, expect, nowMs) : result;
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const bytes = decodeBase64Url(part);
    if (!bytes) return undefined;
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
