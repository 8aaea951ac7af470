// Signed OCSP answers kept at the edge (Workers Cache API, caches.default) and the revocation
// revision they are checked against. The Cache API is local to one Cloudflare location and
// cache.delete() purges only there, so a revocation cannot reach every location's copy; instead
// each cached answer carries the revision of its CA's ledger it was true at, and a cached "good"
// is served only while that is still the ledger's revision (docs/ocsp.md, "The revocation bound").
import type { CertId } from "../ocsp/request";

export type AnswerKind = "good" | "revoked" | "unknown";

export interface CachedAnswer {
  der: Uint8Array;
  /** A single answer's status: revoked and unknown never turn good (no certificateHold here). */
  status: AnswerKind;
  /** The CA ledger's revocation revision the status was read at. */
  revision: number;
  thisUpdate: number;
  nextUpdate: number;
  /** Re-signed after this (half the validity), as the CRL is. */
  refreshAt: number;
  etag: string;
}

/**
 * One entry per CA, CertID hash and serial. The issuer hashes follow from the CA and the hash; the
 * parameters' form (NULL or absent) is echoed in the answer, so it is part of the key too. The
 * origin is PUBLIC_BASE_URL when set (the zone that serves it, whatever Host a client sent:
 * OpenSSL's HTTP/1.0 client and curl differ), else the request's.
 */
export function cacheKey(origin: string, caKeyId: string, certId: CertId): string {
  return `${origin}/ocsp-cache/v1/${caKeyId}/${certId.hash}${certId.nullParams ? "" : "-noparams"}/${certId.serialHex}`;
}

const H = {
  status: "x-ocsp-status",
  revision: "x-ocsp-revision",
  thisUpdate: "x-ocsp-this-update",
  nextUpdate: "x-ocsp-next-update",
  refreshAt: "x-ocsp-refresh-at",
} as const;

export async function readCached(cache: Cache, key: string): Promise<CachedAnswer | undefined> {
  const res = await cache.match(key);
  if (!res) return undefined;
  const status = res.headers.get(H.status);
  const numbers = [H.revision, H.thisUpdate, H.nextUpdate, H.refreshAt].map((h) => Number(res.headers.get(h) ?? "NaN"));
  if ((status !== "good" && status !== "revoked" && status !== "unknown") || numbers.some((n) => !Number.isSafeInteger(n))) {
    await res.body?.cancel();
    return undefined;
  }
  const [revision, thisUpdate, nextUpdate, refreshAt] = numbers as [number, number, number, number];
  return { der: new Uint8Array(await res.arrayBuffer()), status, revision, thisUpdate, nextUpdate, refreshAt, etag: res.headers.get("etag") ?? "" };
}

/** Keeps the answer until its refresh time (the Cache API honours max-age); nothing when that has passed. */
export async function storeCached(cache: Cache, key: string, answer: CachedAnswer, now: number): Promise<void> {
  const ttl = Math.floor((answer.refreshAt - now) / 1000);
  if (ttl < 1) return;
  const headers = new Headers({
    "content-type": "application/ocsp-response",
    "cache-control": `public, max-age=${ttl}`,
    etag: answer.etag,
    [H.status]: answer.status,
    [H.revision]: String(answer.revision),
    [H.thisUpdate]: String(answer.thisUpdate),
    [H.nextUpdate]: String(answer.nextUpdate),
    [H.refreshAt]: String(answer.refreshAt),
  });
  await cache.put(key, new Response(answer.der, { headers }));
}
