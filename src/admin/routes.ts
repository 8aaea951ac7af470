// The admin API under /admin/ (docs/admin-api.md): JSON in and out, authenticated by a bearer token
// and/or a Cloudflare Access JWT (./auth.ts).
import { randomBytes } from "node:crypto";
import { caByKeyId, type IssuingCa } from "../ca/ca-set";
import { ONE_TIME_PREFIX, oneTimeChallengeHash } from "../challenge/select";
import type { Config } from "../config";
import { EnrollmentFailure } from "../enroll/errors";
import { rejectPendingRequest } from "../enroll/intune-outcome";
import { intuneStatus } from "../enroll/intune-sync";
import type { EnrollDeps } from "../enroll/ports";
import type { LedgerStub } from "../ledger/client";
import type { CertificateFilter } from "../ledger/types";
import { toPem } from "../asn1/pem";
import { forgetRevision } from "../ocsp/revision-memo";
import { flushOcspCounts } from "../ocsp/traffic";
import { approvePending } from "./approval";
import { authenticateAdmin } from "./auth";
import { AdminError, errorResponse, json, readJson } from "./json";
import { revocationReason } from "./revocation-reasons";
import { challengeBinding } from "./challenge-binding";
import { intuneRoute } from "./intune-routes";
import { handleConsole, isConsolePath } from "./console";
import { operationalStats } from "./overview-stats";
import { refusalStats } from "../enroll/refusal-counts";

export interface AdminContext extends EnrollDeps {
  config: Config;
  ledger: LedgerStub;
  ledgerOf(ca: IssuingCa): LedgerStub;
}

const MAX_CHALLENGE_TTL_SECONDS = 7 * 86400;

export async function handleAdmin(request: Request, url: URL, ctx: AdminContext): Promise<Response> {
  const { admin } = ctx.config;
  if (admin.problems) {
    // A wrong admin setting turns off the admin API alone; enrollment keeps working.
    return json(503, { error: "admin_not_configured", message: `admin API not configured: ${admin.problems.map((p) => p.message).join("; ")}` });
  }
  if (!admin.token && !admin.access) {
    return json(404, { error: "admin_disabled", message: "the admin API is off: set ADMIN_TOKEN (or ACCESS_TEAM_DOMAIN and ACCESS_AUD)" });
  }
  // The console (HTML, /admin/ and /admin/console/) signs in with a session cookie instead of the bearer token.
  if (isConsolePath(url.pathname))
    return handleConsole(request, url, { ...ctx, api: (method, path, body) => inProcess(method, path, body, url, ctx) });
  const denied = await authenticateAdmin(request, url, ctx.config, ctx.runtime);
  if (denied) return denied;
  return answer(request, url, ctx);
}

async function answer(request: Request, url: URL, ctx: AdminContext): Promise<Response> {
  try {
    return await route(request, url, ctx);
  } catch (e) {
    if (e instanceof AdminError) return errorResponse(e);
    throw e;
  }
}

/** The API called by the console, after the console's own authentication. */
async function inProcess(method: string, path: string, body: unknown, base: URL, ctx: AdminContext) {
  const url = new URL(path, base.origin);
  const init: RequestInit = body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } };
  const response = await answer(new Request(url, init), url, ctx);
  const json = (response.headers.get("content-type") ?? "").startsWith("application/json")
    ? ((await response.clone().json()) as Record<string, unknown>)
    : {};
  return { status: response.status, body: json, response };
}

async function route(request: Request, url: URL, ctx: AdminContext): Promise<Response> {
  const path = url.pathname.replace(/\/+$/, "");
  const method = request.method.toUpperCase();
  const now = ctx.runtime.now().getTime();
  const { ledger } = ctx;

  if (path === "/admin/stats" && method === "GET") {
    const intune = await intuneStatus(ctx.config, ledger, now);
    return json(200, {
      ...(await ledger.stats(now)),
      ca: ctx.config.cas.current.keyId,
      retiredCas: ctx.config.cas.retired.length,
      ...(intune ? { intune } : {}),
      ocsp: await ocspStats(ctx, now),
      ...(await operationalStats(ctx.config, ledger, now, [intune?.credential.warning])),
      refused: await refusalStats(ledger, now),
    });
  }
  const intune = await intuneRoute(request, path, ctx);
  if (intune) return intune;
  if (path === "/admin/cas" && method === "GET") return json(200, { items: ctx.config.cas.all.map(describeCa) });
  if (path === "/admin/certificates" && method === "GET") {
    return json(200, await ctx.ledgerOf(caParam(url, ctx)).listCertificates(certificateFilter(url)));
  }

  const cert = /^\/admin\/certificates\/([0-9A-Fa-f]{1,64})(\/revoke)?$/.exec(path);
  if (cert) {
    const serial = cert[1]!.toUpperCase();
    if (cert[2] && method === "POST") {
      const body = await readJson(request);
      const reason = revocationReason(body.reason);
      const found = await locate(serial, url, ctx);
      const outcome = await ctx.ledgerOf(found.ca).revoke(serial, reason, now);
      if (outcome === "not-found") throw new AdminError(404, "not_found", `no certificate with serial ${serial}`);
      if (outcome === "bad-reason") throw new AdminError(400, "bad_reason", "the revocation reason is not one this CA records");
      ctx.runtime.log("revoked", { serial, ca: found.ca.keyId, reason, outcome });
      forgetRevision(found.ca.keyId); // this isolate's next OCSP answer reads the new revision (OCSP_REVISION_TTL_SECONDS)
      return json(200, { serial, ca: found.ca.keyId, status: "revoked", reason, alreadyRevoked: outcome === "already-revoked" });
    }
    if (!cert[2] && method === "GET") return certificateResponse(serial, url, ctx);
  }

  if (path === "/admin/pending" && method === "GET") return json(200, { items: await ledger.listPending(200) });
  if ((path === "/admin/pending/approve" || path === "/admin/pending/reject") && method === "POST") {
    const body = await readJson(request);
    const transactionId = requiredString(body.transactionId, "transactionId");
    const requestKey = typeof body.requestKey === "string" ? body.requestKey : "";
    if (path.endsWith("/approve")) {
      const result = await approvePending(transactionId, requestKey, ctx.config, ctx).catch((e: unknown) => {
        // e.g. the CA certificate expired while the request waited, or the name policy changed
        if (e instanceof EnrollmentFailure) throw new AdminError(409, "cannot_issue", e.publicText);
        throw e;
      });
      if (result.kind === "not-pending") throw new AdminError(409, "not_pending", "no pending request with this transactionId");
      if (result.kind === "refused") throw new AdminError(409, "cannot_issue", result.reason);
      if (result.kind === "withheld") {
        throw new AdminError(
          502,
          "intune_notification_failed",
          `Intune did not accept the issuance; certificate ${result.serial} was withheld and revoked`,
        );
      }
      return json(200, { transactionId, status: "issued", serial: result.serial });
    }
    const note = typeof body.reason === "string" ? body.reason.slice(0, 200) : "rejected by administrator";
    // An Intune request's rejection is reported to Intune, with the admin's reason (CERTSRV_E_ADMIN_DENIED_REQUEST).
    const reason = { note, cause: "admin-rejected" as const, description: `rejected by a CA administrator: ${note}` };
    if (!(await rejectPendingRequest(transactionId, requestKey, reason, ctx.config, ctx))) {
      throw new AdminError(409, "not_pending", "no pending request with this transactionId");
    }
    ctx.runtime.log("rejected-by-admin", { transactionId });
    return json(200, { transactionId, status: "rejected" });
  }

  if (path === "/admin/challenges" && method === "POST") {
    if (!ctx.config.challengeModes.includes("one-time")) {
      throw new AdminError(409, "one_time_disabled", "CHALLENGE_MODE does not include one-time");
    }
    const body = await readJson(request);
    const ttl = body.ttlSeconds === undefined ? 3600 : Number(body.ttlSeconds);
    if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_CHALLENGE_TTL_SECONDS) {
      throw new AdminError(400, "bad_ttl", `ttlSeconds must be an integer from 60 to ${MAX_CHALLENGE_TTL_SECONDS}`);
    }
    const binding = challengeBinding(body.subject, body.sans, ctx.config.namePolicy);
    // 192 bits of entropy; PrintableString-safe alphabet (RFC 8894 §7.3; certmonger and scepclient send PrintableString).
    const challenge = ONE_TIME_PREFIX + Buffer.from(randomBytes(24)).toString("base64").replace(/\+/g, "-").replace(/\//g, ".").replace(/=+$/, "");
    const expiresAt = now + ttl * 1000;
    await ledger.mintChallenge(oneTimeChallengeHash(challenge), binding.subject, binding.sans, expiresAt, now);
    ctx.runtime.log("challenge-minted", { subject: binding.subject ?? null, sans: binding.sans, expiresAt: new Date(expiresAt).toISOString() });
    return json(201, {
      challenge,
      expiresAt: new Date(expiresAt).toISOString(),
      subject: binding.subject ?? null,
      sans: binding.sans ? binding.sans.split(", ") : [],
    });
  }
  throw new AdminError(404, "not_found", `no admin route ${method} ${path}`);
}

/** OCSP traffic (docs/ocsp.md) summed over every CA's ledger, after flushing this isolate's counts. */
async function ocspStats(ctx: AdminContext, now: number): Promise<Record<string, number>> {
  await flushOcspCounts(ctx.ledger, now, true);
  const total: Record<string, number> = {};
  for (const ca of ctx.config.cas.all) {
    for (const [name, n] of Object.entries(await ctx.ledgerOf(ca).ocspCounts())) total[name] = (total[name] ?? 0) + n;
  }
  return total;
}

async function certificateResponse(serial: string, url: URL, ctx: AdminContext): Promise<Response> {
  const found = await locate(serial, url, ctx);
  const view = found.view;
  const raw = await ctx.ledgerOf(found.ca).certificateDer(serial);
  if (!raw) throw new AdminError(404, "not_found", `no certificate with serial ${serial}`);
  const format = (url.searchParams.get("format") ?? "json").toLowerCase();
  if (format === "der") return new Response(raw.der, { headers: { "content-type": "application/pkix-cert" } });
  if (format === "pem") return new Response(toPem("CERTIFICATE", raw.der), { headers: { "content-type": "application/x-pem-file" } });
  return json(200, { ...view, ca: found.ca.keyId, pem: toPem("CERTIFICATE", raw.der) });
}

/** The CA whose ledger holds this serial: `?ca=<key id>` when given, else the current CA, then the retired ones. */
async function locate(serial: string, url: URL, ctx: AdminContext) {
  const candidates = url.searchParams.has("ca") ? [caParam(url, ctx)] : ctx.config.cas.all;
  for (const ca of candidates) {
    const view = await ctx.ledgerOf(ca).certificate(serial);
    if (view) return { ca, view };
  }
  throw new AdminError(404, "not_found", `no certificate with serial ${serial}`);
}

function caParam(url: URL, ctx: AdminContext): IssuingCa {
  const keyId = url.searchParams.get("ca");
  if (keyId === null || keyId === "") return ctx.config.cas.current;
  const ca = /^[0-9a-fA-F]{32}$/.test(keyId) ? caByKeyId(ctx.config.cas, keyId) : undefined;
  if (!ca) throw new AdminError(404, "unknown_ca", "no CA with this key id (GET /admin/cas lists them)");
  return ca;
}

function describeCa(ca: IssuingCa) {
  const cert = ca.material.caCert;
  return {
    keyId: ca.keyId,
    status: ca.current ? "current" : "retired",
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
    sha256: ca.material.fingerprintSha256Hex,
  };
}

function certificateFilter(url: URL): CertificateFilter {
  const p = url.searchParams;
  const status = p.get("status") ?? undefined;
  if (status !== undefined && status !== "valid" && status !== "revoked") throw new AdminError(400, "bad_status", "status must be valid or revoked");
  const limit = p.get("limit");
  return {
    subject: p.get("subject") ?? undefined,
    san: p.get("san") ?? undefined,
    q: p.get("q")?.trim() || undefined,
    serial: p.get("serial") ?? undefined,
    transactionId: p.get("transactionId") ?? undefined,
    status,
    from: timeParam(p.get("from"), "from"),
    to: timeParam(p.get("to"), "to"),
    limit: limit === null ? undefined : positiveInt(limit, "limit"),
    cursor: p.get("cursor") ?? undefined,
  };
}

function timeParam(value: string | null, name: string): number | undefined {
  if (value === null || value === "") return undefined;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw new AdminError(400, "bad_time", `${name} must be an ISO 8601 time or milliseconds since the epoch`);
  return t;
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AdminError(400, "bad_parameter", `${name} must be a positive integer`);
  return n;
}

function requiredString(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 1024)
    throw new AdminError(400, "bad_parameter", `${name} must be a non-empty string`);
  return value;
}
