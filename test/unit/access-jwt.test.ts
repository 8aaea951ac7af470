// src/admin/access-jwt.ts: Cloudflare Access JWT verification (signature with WebCrypto against the
// team's JWKS, then iss / aud / exp / nbf / iat) and the isolate JWKS cache with its unknown-kid refetch.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  accessToken,
  CLOCK_SKEW_SECONDS,
  JwksCache,
  JwksUnavailableError,
  verifyAccessJwt,
  verifyWithCache,
  type Jwks,
} from "../../src/admin/access-jwt";
import { accessClaims, b64url, jwksOf, newSigningKey, signJwt } from "../support/access-jwt-signer";

const ISSUER = "https://example.cloudflareaccess.com";
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const EXPECT = { issuer: ISSUER, audience: AUD };
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

const rsa = newSigningKey("RS256", "rsa-1");
const ec = newSigningKey("ES256", "ec-1");
const other = newSigningKey("RS256", "rsa-1"); // same kid, different key: a forgery
const JWKS = jwksOf(rsa, ec);
const good = (extra: Record<string, unknown> = {}) => signJwt(rsa, accessClaims(ISSUER, AUD, NOW, extra));

async function reason(token: string, jwks: Jwks = JWKS, now = NOW) {
  const r = await verifyAccessJwt(token, jwks, EXPECT, now);
  return r.ok ? "ok" : r.reason;
}

describe("verifyAccessJwt", () => {
  it("accepts a good RS256 token and returns its claims", async () => {
    const r = await verifyAccessJwt(good(), JWKS, EXPECT, NOW);
    expect(r.ok).toBe(true);
    expect(r.ok && r.claims.email).toBe("admin@example.com");
  });

  it("accepts ES256 and an aud given as a string", async () => {
    expect(await reason(signJwt(ec, accessClaims(ISSUER, AUD, NOW)))).toBe("ok");
    expect(await reason(good({ aud: AUD }))).toBe("ok");
    expect(await reason(good({ aud: ["other-app", AUD] }))).toBe("ok");
  });

  it("refuses a wrong audience", async () => {
    expect(await reason(good({ aud: ["another-application-aud"] }))).toBe("wrong-audience");
    expect(await reason(good({ aud: [] }))).toBe("wrong-audience");
    expect(await reason(good({ aud: undefined }))).toBe("wrong-audience");
    expect(await reason(good({ aud: AUD.slice(0, -1) }))).toBe("wrong-audience");
  });

  it("refuses a wrong issuer", async () => {
    expect(await reason(good({ iss: "https://evil.cloudflareaccess.com" }))).toBe("wrong-issuer");
    expect(await reason(good({ iss: `${ISSUER}/` }))).toBe("wrong-issuer");
    expect(await reason(good({ iss: undefined }))).toBe("wrong-issuer");
  });

  it("refuses an expired token, with the clock skew allowance", async () => {
    const t = Math.floor(NOW / 1000);
    expect(await reason(good({ exp: t - 3600, iat: t - 7200, nbf: t - 7200 }))).toBe("expired");
    expect(await reason(good({ exp: t - CLOCK_SKEW_SECONDS - 1 }))).toBe("expired");
    expect(await reason(good({ exp: t - CLOCK_SKEW_SECONDS + 5 }))).toBe("ok");
    expect(await reason(good({ exp: undefined }))).toBe("expired");
    expect(await reason(good({ exp: String(t + 600) }))).toBe("expired");
  });

  it("refuses a token not yet valid (nbf or iat in the future beyond the skew)", async () => {
    const t = Math.floor(NOW / 1000);
    expect(await reason(good({ nbf: t + 600 }))).toBe("not-yet-valid");
    expect(await reason(good({ iat: t + 600 }))).toBe("not-yet-valid");
    expect(await reason(good({ nbf: t + CLOCK_SKEW_SECONDS - 5, iat: t + CLOCK_SKEW_SECONDS - 5 }))).toBe("ok");
    expect(await reason(good({ nbf: undefined, iat: undefined }))).toBe("ok");
  });

  it("refuses a bad signature: forged with another key, tampered payload, truncated signature", async () => {
    expect(await reason(signJwt(other, accessClaims(ISSUER, AUD, NOW)))).toBe("bad-signature");
    const [h, , s] = good().split(".");
    const tampered = b64url(JSON.stringify(accessClaims(ISSUER, AUD, NOW, { email: "mallory@example.com" })));
    expect(await reason(`${h}.${tampered}.${s}`)).toBe("bad-signature");
    expect(await reason(`${h}.${good().split(".")[1]}.${s!.slice(0, 40)}`)).toBe("bad-signature");
    // An ES256 header on an RSA-kid key: the key type does not fit the algorithm.
    expect(await reason(signJwt(ec, accessClaims(ISSUER, AUD, NOW), { kid: rsa.kid }))).toBe("bad-key");
  });

  it("refuses an unknown kid", async () => {
    expect(await reason(signJwt(newSigningKey("RS256", "rotated-2"), accessClaims(ISSUER, AUD, NOW)))).toBe("unknown-kid");
    expect(await reason(good(), { keys: [] })).toBe("unknown-kid");
  });

  it("refuses alg none, HS256 (even keyed with the public JWK) and other algorithms", async () => {
    const claims = b64url(JSON.stringify(accessClaims(ISSUER, AUD, NOW)));
    const none = b64url(JSON.stringify({ alg: "none", kid: rsa.kid, typ: "JWT" }));
    expect(await reason(`${none}.${claims}.`)).toBe("malformed");
    expect(await reason(`${none}.${claims}.AAAA`)).toBe("unsupported-alg");
    const hs = b64url(JSON.stringify({ alg: "HS256", kid: rsa.kid, typ: "JWT" }));
    const mac = createHmac("sha256", JSON.stringify(rsa.jwk)).update(`${hs}.${claims}`).digest();
    expect(await reason(`${hs}.${claims}.${b64url(mac)}`)).toBe("unsupported-alg");
    expect(await reason(signJwt(rsa, accessClaims(ISSUER, AUD, NOW), { alg: "RS512" }))).toBe("unsupported-alg");
    expect(await reason(signJwt(rsa, accessClaims(ISSUER, AUD, NOW), { alg: "PS256" }))).toBe("unsupported-alg");
  });

  it("refuses malformed tokens", async () => {
    const [h, p, s] = good().split(".");
    for (const token of [
      "",
      "not-a-jwt",
      `${h}.${p}`,
      `${h}.${p}.${s}.extra`,
      `${h}.${p}.${s}=`,
      `${h}..${s}`,
      `${b64url("not json")}.${p}.${s}`,
      `${h}.${b64url("[1,2]")}.${s}`,
      `${b64url(JSON.stringify({ alg: "RS256" }))}.${p}.${s}`, // no kid
      "A".repeat(20000),
    ]) {
      expect(await reason(token), token.slice(0, 40)).toBe("malformed");
    }
  });
});

describe("accessToken", () => {
  it("reads the Cf-Access-Jwt-Assertion header first, then the CF_Authorization cookie", () => {
    expect(accessToken(new Headers({ "cf-access-jwt-assertion": "a.b.c", cookie: "CF_Authorization=x.y.z" }))).toBe("a.b.c");
    expect(accessToken(new Headers({ cookie: "theme=dark; CF_Authorization=x.y.z; other=1" }))).toBe("x.y.z");
    expect(accessToken(new Headers({ cookie: "XCF_Authorization=x.y.z" }))).toBeUndefined();
    expect(accessToken(new Headers())).toBeUndefined();
  });
});

describe("JwksCache and verifyWithCache", () => {
  function fakeFetcher(bodies: Array<Jwks | number>) {
    const calls: string[] = [];
    const fetcher = async (url: string) => {
      calls.push(url);
      const body = bodies[Math.min(calls.length - 1, bodies.length - 1)]!;
      return typeof body === "number" ? new Response("nope", { status: body }) : Response.json(body);
    };
    return { calls, fetcher };
  }
  const URL_ = `${ISSUER}/cdn-cgi/access/certs`;

  it("fetches once and serves from memory until the TTL passes", async () => {
    const f = fakeFetcher([JWKS]);
    const cache = new JwksCache(URL_, f.fetcher, 600_000);
    expect((await verifyWithCache(good(), cache, EXPECT, NOW)).ok).toBe(true);
    expect((await verifyWithCache(good(), cache, EXPECT, NOW + 599_000)).ok).toBe(true);
    expect(f.calls).toEqual([URL_]);
    await cache.get(NOW + 600_000);
    expect(f.calls.length).toBe(2);
  });

  it("refetches once on an unknown kid (key rotation), but not more often than the minimum interval", async () => {
    const rotated = newSigningKey("RS256", "rsa-2");
    const f = fakeFetcher([jwksOf(rsa), jwksOf(rsa, rotated)]);
    const cache = new JwksCache(URL_, f.fetcher, 600_000, 30_000);
    await cache.get(NOW);
    const token = signJwt(rotated, accessClaims(ISSUER, AUD, NOW + 10_000));
    // Too soon after the last fetch: no refetch, still unknown.
    expect(await verifyWithCache(token, cache, EXPECT, NOW + 10_000)).toEqual({ ok: false, reason: "unknown-kid" });
    expect(f.calls.length).toBe(1);
    expect((await verifyWithCache(token, cache, EXPECT, NOW + 40_000)).ok).toBe(true);
    expect(f.calls.length).toBe(2);
    // A kid nobody publishes: one refetch at most, then refused.
    const stranger = signJwt(newSigningKey("RS256", "nobody"), accessClaims(ISSUER, AUD, NOW + 80_000));
    expect(await verifyWithCache(stranger, cache, EXPECT, NOW + 80_000)).toEqual({ ok: false, reason: "unknown-kid" });
    expect(f.calls.length).toBe(3);
  });

  it("a failed fetch throws JwksUnavailableError (HTTP error, network error, not a key set)", async () => {
    await expect(new JwksCache(URL_, fakeFetcher([500]).fetcher).get(NOW)).rejects.toBeInstanceOf(JwksUnavailableError);
    await expect(
      new JwksCache(URL_, async () => {
        throw new TypeError("connection refused");
      }).get(NOW),
    ).rejects.toBeInstanceOf(JwksUnavailableError);
    await expect(new JwksCache(URL_, async () => Response.json({ nope: 1 })).get(NOW)).rejects.toBeInstanceOf(JwksUnavailableError);
    await expect(new JwksCache(URL_, async () => new Response("<html>")).get(NOW)).rejects.toBeInstanceOf(JwksUnavailableError);
  });

  it("concurrent first requests share one fetch", async () => {
    const f = fakeFetcher([JWKS]);
    const cache = new JwksCache(URL_, f.fetcher);
    const results = await Promise.all([1, 2, 3, 4].map(() => verifyWithCache(good(), cache, EXPECT, NOW)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(f.calls.length).toBe(1);
  });
});
