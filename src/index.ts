// Worker entry: configuration check, routing, and the Durable Object export.
import { handleAdmin } from "./admin/routes";
import type { IssuingCa } from "./ca/ca-set";
import { ConfigError, loadConfig, type Config } from "./config";
import { runIntuneSync } from "./enroll/intune-sync";
import type { Env } from "./env";
import { warnExpiryOnce } from "./expiry-warnings";
import { caCertificateResponse, crlResponse, publicationRoute } from "./http/publication-routes";
import { handleOcsp, isOcspPath } from "./http/ocsp-routes";
import { handleScep, text } from "./http/scep-routes";
import { ledgerFor } from "./ledger/client";
import { intuneClient, workerRuntime } from "./runtime";

export { Ledger } from "./ledger/ledger";

export default {
  // ctx is optional: tests call fetch(request, env) with a fake env.
  async fetch(request: Request, env: Env, ctx?: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const config = loadConfig(env);
    if (config instanceof ConfigError) {
      // Names the setting, never its value.
      workerRuntime.log("config-error", { problem: config.message });
      return text(503, `SCEP endpoint not configured: ${config.message}`);
    }
    warnExpiryOnce(config, workerRuntime);
    try {
      const path = url.pathname;
      if (path === "/admin" || path.startsWith("/admin/")) return await handleAdmin(request, url, { ...dependencies(env, config), config });
      if (isOcspPath(path)) {
        return await handleOcsp(request, url, {
          config,
          runtime: workerRuntime,
          ledgerOf: (ca) => ledgerFor(env.LEDGER, ca.ledgerName),
          cache: typeof caches === "undefined" ? undefined : caches.default,
          waitUntil: (p) => (ctx ? ctx.waitUntil(p) : void p.catch(() => {})),
        });
      }
      const published = request.method === "GET" ? publicationRoute(path, config) : undefined;
      if (published?.kind === "crl")
        return await crlResponse(request, url, published.ca, config, ledgerFor(env.LEDGER, published.ca.ledgerName), workerRuntime, published.pem);
      if (published?.kind === "ca") return caCertificateResponse(published.ca);
      if (published?.kind === "unknown-ca") return text(404, "no CA with this key id");
      // SCEP answers under any path (clients append /pkiclient.exe or use /cgi-bin/pkiclient.exe).
      return await handleScep(request, url, {
        config,
        runtime: workerRuntime,
        deps: () => dependencies(env, config),
        limits: { failures: env.AUTH_FAILURE_LIMITER, intuneClient: env.INTUNE_CLIENT_LIMITER, intuneAll: env.INTUNE_LIMITER },
        counters: () => ledgerFor(env.LEDGER, config.cas.current.ledgerName),
        waitUntil: (p) => (ctx ? ctx.waitUntil(p) : void p.catch(() => {})),
      });
    } catch (e) {
      // Anything reaching here is our bug, not the client's: log it, answer without details.
      workerRuntime.log("internal-error", { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      return text(500, "internal error");
    }
  },

  /**
   * Cron Trigger (wrangler.toml [triggers] crons, hourly: Intune answers nothing for 60 minutes
   * after a download). Fetches Intune's revocation requests, revokes, reports back.
   */
  async scheduled(controller: ScheduledController, env: Env): Promise<void> {
    const config = loadConfig(env);
    if (config instanceof ConfigError) {
      workerRuntime.log("config-error", { problem: config.message, cron: controller.cron });
      return;
    }
    if (!config.intune) return;
    if (!config.intune.revocation.enabled) {
      workerRuntime.log("intune.revocation.sync", { skipped: "INTUNE_REVOCATION_SYNC=off", cron: controller.cron });
      return;
    }
    const deps = dependencies(env, config);
    // Never throws for Intune's answers; an error here is ours, and the next run starts afresh.
    await runIntuneSync(config, deps.ledgerOf, deps.intune!, workerRuntime, "cron");
  },
} satisfies ExportedHandler<Env>;

/** Ledgers (one per CA key), clock and logs, and the Intune client when configured. */
function dependencies(env: Env, config: Config) {
  return {
    ledger: ledgerFor(env.LEDGER, config.cas.current.ledgerName),
    ledgerOf: (ca: IssuingCa) => ledgerFor(env.LEDGER, ca.ledgerName),
    runtime: workerRuntime,
    intune: config.intune ? intuneClient(config.intune, env) : undefined,
  };
}
