// The SCEP HTTP edge (RFC 8894 §4): routing on ?operation= under any path, content types, and
// the one place where errors become HTTP responses.
import type { Config } from "../config";
import { reject, RequestRejected } from "../enroll/errors";
import { handlePkiOperation } from "../enroll/pki-operation";
import type { EnrollDeps, Runtime } from "../enroll/ports";
import { CONTENT_TYPE } from "../scep/ca-bodies";
import { boxedFor, clientKey, countFailure, intuneAllowance, type AbuseBindings } from "./abuse-guard";
import { decodeGetMessage, rawQueryParam, readPostMessage } from "./message-decoding";
import { countRefusal, flushRefusalCounts, type CounterLedger } from "../enroll/refusal-counts";

export interface ScepContext {
  config: Config;
  runtime: Runtime;
  /** Built only for PKIOperation: the unauthenticated operations touch no storage. */
  deps: () => EnrollDeps;
  /** The Rate Limiting bindings (src/http/abuse-guard.ts); a missing one limits nothing. */
  limits?: AbuseBindings;
  /** Where refusal counts go (the current CA's ledger), in batches. */
  counters?: () => CounterLedger;
  /** Work that may finish after the answer is sent (ExecutionContext.waitUntil). */
  waitUntil?: (promise: Promise<unknown>) => void;
}

export async function handleScep(request: Request, url: URL, ctx: ScepContext): Promise<Response> {
  try {
    return await route(request, url, ctx);
  } catch (e) {
    if (e instanceof RequestRejected) {
      ctx.runtime.log("rejected", { status: e.status, reason: e.logDetail });
      return text(e.status, e.publicReason);
    }
    throw e;
  }
}

async function route(request: Request, url: URL, ctx: ScepContext): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method !== "GET" && method !== "POST" && method !== "HEAD") {
    return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, POST", "content-type": "text/plain" } });
  }
  const operation = rawQueryParam(url.search, "operation");
  if (operation === undefined) throw reject({ kind: "missing-operation" });
  const { config } = ctx;
  // Operation names are case-sensitive in RFC 8894; clients in the wild vary, so compare loosely.
  switch (operation.toLowerCase()) {
    case "getcacaps":
      return binary(CONTENT_TYPE.caps, config.capsBody);
    case "getcacert":
      // message= (a CA identifier) may be absent, empty or anything: one CA per endpoint.
      return binary(config.caCert.contentType, config.caCert.body);
    case "getnextcacert":
      if (!config.nextCaCert) throw reject({ kind: "no-next-ca" });
      return binary(config.nextCaCert.contentType, config.nextCaCert.body);
    case "pkioperation":
      return pkiOperation(request, url, method, ctx);
    default:
      throw reject({ kind: "unknown-operation" });
  }
}

/**
 * Cheap before dear: a client past the failure limit is answered 429 before its message is read;
 * any other request is decrypted and answered, and a failed authentication is counted after the
 * answer (docs/security.md, "Rate limits").
 */
async function pkiOperation(request: Request, url: URL, method: string, ctx: ScepContext): Promise<Response> {
  const { config, runtime } = ctx;
  const limits = ctx.limits ?? {};
  const client = clientKey(request);
  const later = (p: Promise<unknown>) => (ctx.waitUntil ? ctx.waitUntil(p) : void p.catch(() => {}));
  const failed = () => {
    later(countFailure(limits, client, () => runtime.now().getTime(), runtime.log));
    const flush = ctx.counters && flushRefusalCounts(ctx.counters(), runtime.now().getTime());
    if (flush) later(flush);
  };
  const wait = boxedFor(client, runtime.now().getTime());
  if (wait !== undefined) {
    countRefusal("refused.rate-limited");
    const flush = ctx.counters && flushRefusalCounts(ctx.counters(), runtime.now().getTime());
    if (flush) later(flush);
    return new Response(`too many failed requests from this address; retry after ${wait} s\n`, {
      status: 429,
      headers: { "content-type": "text/plain", "retry-after": String(wait) },
    });
  }
  try {
    const der =
      method === "POST"
        ? await readPostMessage(request, config.maxMessageBytes)
        : decodeGetMessage(rawQueryParam(url.search, "message"), config.maxMessageBytes);
    const guard = { intuneValidation: () => intuneAllowance(limits, client, runtime.log) };
    const result = await handlePkiOperation(der, config, { ...ctx.deps(), guard }, { pathProfile: profileFromPath(url.pathname, config) });
    if (result.failedAuthentication) failed();
    return binary(CONTENT_TYPE.pkiMessage, result.reply);
  } catch (e) {
    if (e instanceof RequestRejected) failed();
    throw e;
  }
}

/**
 * /scep/<profile>[/pkiclient.exe]: the enrollment path names a certificate profile (CERT_PROFILES).
 * Any other path is plain SCEP (clients append /pkiclient.exe or use /cgi-bin/pkiclient.exe).
 */
function profileFromPath(pathname: string, config: Config): string | undefined {
  const segments = pathname.split("/").filter(Boolean);
  const candidate = segments[0]?.toLowerCase() === "scep" ? segments[1] : undefined;
  return candidate !== undefined && config.profiles.has(candidate) ? candidate : undefined;
}

/** Content types exactly, without parameters: iOS compares the string. */
function binary(contentType: string, body: Uint8Array | string): Response {
  return new Response(body, { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" } });
}

export function text(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain" } });
}
