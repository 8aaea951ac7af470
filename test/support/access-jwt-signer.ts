// Test-only Cloudflare Access stand-in: signing keys, their JWKS, and JWTs shaped like the ones
// Access issues (RS256, kid, aud array, iss = team domain). node:crypto only; no vitest imports.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import type { Jwk, Jwks } from "../../src/admin/access-jwt";

export interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: KeyObject;
  jwk: Jwk;
}

export function newSigningKey(alg: "RS256" | "ES256" = "RS256", kid = `kid-${Math.random().toString(16).slice(2)}`): SigningKey {
  const { privateKey, publicKey } =
    alg === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...(publicKey.export({ format: "jwk" }) as Jwk), kid, alg, use: "sig" };
  return { kid, alg, privateKey, jwk };
}

/** The body of https://<team>.cloudflareaccess.com/cdn-cgi/access/certs (keys only). */
export function jwksOf(...keys: SigningKey[]): Jwks {
  return { keys: keys.map((k) => k.jwk) };
}

export function b64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString("base64url");
}

/** A signed JWT. `header` overrides (e.g. a foreign kid); `alg: "none"`/HS256 need signWith. */
export function signJwt(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const h = b64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }));
  const p = b64url(JSON.stringify(claims));
  const input = Buffer.from(`${h}.${p}`);
  const sig = key.alg === "RS256" ? sign("sha256", input, key.privateKey) : sign("sha256", input, { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${h}.${p}.${b64url(sig)}`;
}

/** Claims as Access sets them, valid for ten minutes from `nowMs`. */
export function accessClaims(issuer: string, audience: string, nowMs = Date.now(), extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(nowMs / 1000);
  return {
    aud: [audience],
    email: "admin@example.com",
    exp: now + 600,
    iat: now,
    nbf: now,
    iss: issuer,
    type: "app",
    identity_nonce: "nonce",
    sub: "7335d417-61da-459d-899c-0a01c76a2f94",
    country: "US",
    ...extra,
  };
}
