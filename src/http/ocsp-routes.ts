// The OCSP responder at /ocsp (RFC 6960 Appendix A; RFC 5019 §5 GET form): POST the DER request
// to /ocsp, or GET /ocsp/<url-escaped base64 of it>. Anything a client sends is answered with an
// OCSPResponse (malformedRequest, unauthorized, tryLater carry no signature and cost nothing) or a
// 4xx before parsing; never a 500. A single-CertID request without a nonce is answered from the
// edge cache while its revision check allows (./ocsp-cache.ts); anything else is signed now.
import type { IssuingCa } from "../ca/ca-set";
import type { Config } from "../config";
import { RequestRejected } from "../enroll/errors";
import type { Runtime } from "../enroll/ports";
import { resolveRequest, signAnswer, type LedgerStatus } from "../ocsp/answer";
import { MAX_OCSP_REQUEST_BYTES, type OcspRequest } from "../ocsp/request";
import { responderFor, type OcspLedgerPort } from "../ocsp/responder";
import { ocspErrorResponse, OcspStatus, type OcspErrorStatus } from "../ocsp/response";
import { fingerprintHex } from "../x509/cert-builder";
import { decodeGetMessage } from "./message-decoding";
import { currentRevision, noteRevision } from "../ocsp/revision-memo";
import { countOcsp, flushOcspCounts } from "../ocsp/traffic";
import { cacheKey, readCached, storeCached, type AnswerKind, type CachedAnswer } from "./ocsp-cache";
import { text } from "./scep-routes";

export interface OcspContext {
  config: Config;
  runtime: Runtime;
  ledgerOf(ca: IssuingCa): OcspLedgerPort;
  /** caches.default where the runtime has one. */
  cache?: Cache;
  waitUntil(promise: Promise<unknown>): void;
}

export function isOcspPath(path: string): boolean {
  return path === "/ocsp" || path.startsWith("/ocsp/");
}

export async function handleOcsp(request: Request, url: URL, ctx: OcspContext): Promise<Response> {
  try {
    return await route(request, url, ctx);
  } catch (e) {
    if (e instanceof RequestRejected) {
      countOcsp("refused.http");
      ctx.runtime.log("ocsp-rejected", { status: e.status, reason: e.logDetail });
      return text(e.status, e.publicReason);
    }
    throw e;
  } finally {
    const now = ctx.runtime.now().getTime();
    const flush = flushOcspCounts(ctx.ledgerOf(ctx.config.cas.current), now);
    if (flush) ctx.waitUntil(flush);
  }
}

async function route(request: Request, url: URL, ctx: OcspContext): Promise<Response> {
  if (ctx.config.ocsp.mode === "off") throw new RequestRejected({ kind: "ocsp-off" });
  const method = request.method.toUpperCase();
  let der: Uint8Array;
  if (method === "POST") {
    countOcsp("requests.post");
    der = await readBody(request);
  } else if (method === "GET") {
    countOcsp("requests.get");
    // RFC 5019 §5: the base64 of the DER request, URL-escaped, as the path after /ocsp/. Clients
    // that leave '/' unescaped split it into segments: they are joined back.
    const encoded = url.pathname.slice("/ocsp/".length);
    if (!encoded) throw new RequestRejected({ kind: "ocsp-get-without-request" });
    let value: string;
    try {
      value = decodeURIComponent(encoded);
    } catch {
      throw new RequestRejected({ kind: "bad-path-encoding" });
    }
    der = decodeGetMessage(value, MAX_OCSP_REQUEST_BYTES);
  } else {
    return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, POST", "content-type": "text/plain" } });
  }

  const resolution = resolveRequest(der, ctx.config.ocspIssuers);
  if (resolution.kind === "refused") {
    ctx.runtime.log("ocsp-refused", { status: resolution.status, reason: resolution.reason });
    return refusal(resolution.status);
  }
  try {
    return await answer(resolution.issuer.ca, resolution.request, url, request, ctx);
  } catch (e) {
    // The ledger or the responder is unreachable, or the CA expired: "try later" (§2.3), not a 500.
    ctx.runtime.log("ocsp-unavailable", { error: e instanceof Error ? `${e.name}: ${e.message}` : "error" });
    return refusal(OcspStatus.tryLater);
  }
}

async function answer(ca: IssuingCa, req: OcspRequest, url: URL, request: Request, ctx: OcspContext): Promise<Response> {
  const { config, runtime } = ctx;
  const ledger = ctx.ledgerOf(ca);
  const now = runtime.now().getTime();
  if (req.nonce) countOcsp("nonce");
  const certId = req.certIds.length === 1 && !req.nonce && ctx.cache ? req.certIds[0]! : undefined;
  if (!certId) countOcsp("cache.bypass");
  let entries: Record<string, LedgerStatus> | undefined;
  let revision = 0;

  if (certId && ctx.cache) {
    const key = cacheKey(config.publicBaseUrl ?? url.origin, ca.keyId, certId);
    // Read alongside the cache lookup (latency), awaited only for a "good"; its failure surfaces there.
    const revisionRead = currentRevision(
      ca.keyId,
      () => {
        countOcsp("ledger.revisionReads");
        return ledger.ocspRevision();
      },
      config.ocsp.revisionTtlSeconds,
      now,
    );
    revisionRead.catch(() => {});
    const hit = await readCached(ctx.cache, key);
    if (hit && now < hit.refreshAt) {
      // revoked and unknown never become good here, so only a "good" needs the revision check.
      if (hit.status !== "good") return served(hit, "cache.hit", request, ctx);
      const current = await revisionRead;
      if (hit.revision === current.revision) return served(hit, "cache.hit", request, ctx);
      const snapshot = await statusRead(ledger, [certId.serialHex], ca, now);
      if (snapshot.entries[certId.serialHex]?.status === "valid") {
        // Still good at the new revision: the same signed bytes are true there too.
        const again: CachedAnswer = { ...hit, revision: snapshot.revision };
        ctx.waitUntil(storeCached(ctx.cache, key, again, now));
        return served(again, "cache.revalidated", request, ctx);
      }
      ({ entries, revision } = snapshot);
    }
    countOcsp("cache.miss");
  }

  if (!entries)
    ({ entries, revision } = await statusRead(
      ledger,
      req.certIds.map((c) => c.serialHex),
      ca,
      now,
    ));
  const signer = await responderFor(ca, config.ocsp, ledger, runtime);
  const signed = signAnswer(req, entries, signer, config.ocsp, new Date(now));
  countOcsp("signed");
  for (const s of signed.statuses) countOcsp(s.kind);
  const thisUpdate = signed.thisUpdate.getTime();
  const nextUpdate = signed.nextUpdate.getTime();
  const result: CachedAnswer = {
    der: signed.der,
    status: signed.statuses[0]!.kind as AnswerKind,
    revision,
    thisUpdate,
    nextUpdate,
    refreshAt: thisUpdate + Math.floor((nextUpdate - thisUpdate) / 2),
    etag: `"${fingerprintHex(signed.der, "sha1")}"`,
  };
  // Awaited, not left to waitUntil: the next request at this location must find it (signed once).
  if (certId && ctx.cache) await storeCached(ctx.cache, cacheKey(config.publicBaseUrl ?? url.origin, ca.keyId, certId), result, now);
  return reply(result, { cacheable: !req.nonce, request, now });
}

async function statusRead(ledger: OcspLedgerPort, serials: string[], ca: IssuingCa, now: number) {
  const snapshot = await ledger.ocspStatus(serials);
  countOcsp("ledger.statusReads");
  noteRevision(ca.keyId, snapshot.revision, now);
  return snapshot;
}

function served(answer: CachedAnswer, counter: "cache.hit" | "cache.revalidated", request: Request, ctx: OcspContext): Response {
  countOcsp(counter);
  countOcsp(answer.status);
  return reply(answer, { cacheable: true, request, now: ctx.runtime.now().getTime() });
}

/**
 * RFC 5019 §6.2 caching headers: max-age until the answer is re-signed, Last-Modified = thisUpdate,
 * Expires = nextUpdate, an ETag. A nonce answer is for one request only. Cloudflare's own HTTP
 * cache in front of the Worker is told to keep out: only the revision-checked copy is served.
 */
function reply(answer: CachedAnswer, o: { cacheable: boolean; request: Request; now: number }): Response {
  const maxAge = Math.max(0, Math.floor((answer.refreshAt - o.now) / 1000));
  const headers: Record<string, string> = {
    "content-type": "application/ocsp-response",
    "cache-control": o.cacheable ? `public, max-age=${maxAge}, no-transform, must-revalidate` : "no-store",
    "cloudflare-cdn-cache-control": "no-store",
    "last-modified": new Date(answer.thisUpdate).toUTCString(),
    expires: new Date(answer.nextUpdate).toUTCString(),
    etag: answer.etag,
  };
  if (o.cacheable && o.request.method === "GET" && o.request.headers.get("if-none-match") === answer.etag) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(answer.der, { status: 200, headers });
}

const REFUSAL_COUNTER = {
  [OcspStatus.malformedRequest]: "malformedRequest",
  [OcspStatus.unauthorized]: "unauthorized",
  [OcspStatus.tryLater]: "tryLater",
} as const;

/** §2.3: unsigned, HTTP 200 (Appendix A.2 carries every OCSPResponse as 200). */
function refusal(status: OcspErrorStatus): Response {
  const counter = REFUSAL_COUNTER[status as keyof typeof REFUSAL_COUNTER];
  if (counter) countOcsp(counter);
  return new Response(ocspErrorResponse(status), {
    status: 200,
    headers: { "content-type": "application/ocsp-response", "cache-control": "no-store" },
  });
}

/** The POST body, any content type (clients differ), read with the request size cap. */
async function readBody(request: Request): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > MAX_OCSP_REQUEST_BYTES) throw new RequestRejected({ kind: "ocsp-too-large" });
  if (!request.body) throw new RequestRejected({ kind: "empty-body" });
  const reader = request.body.getReader();
  const body = new Uint8Array(MAX_OCSP_REQUEST_BYTES);
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.length > MAX_OCSP_REQUEST_BYTES) {
      await reader.cancel();
      throw new RequestRejected({ kind: "ocsp-too-large" });
    }
    body.set(value, total);
    total += value.length;
  }
  if (total === 0) throw new RequestRejected({ kind: "empty-body" });
  return body.subarray(0, total);
}
