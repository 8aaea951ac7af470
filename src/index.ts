// Worker entry: configuration check, routing, and the Durable Object export.
import { handleAdmin } from "./admin/routes";
import { loadConfig, ConfigError } from "./config";
import type { Env } from "./env";
import { caCertificateResponse, crlResponse } from "./http/publication-routes";
import { handleScep, text } from "./http/scep-routes";
import { ledgerFor } from "./ledger/client";
import { intuneClient, workerRuntime } from "./runtime";

export { Ledger } from "./ledger/ledger";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const config = loadConfig(env);
    if (config instanceof ConfigError) {
      // Names the setting, never its value.
      workerRuntime.log("config-error", { problem: config.message });
      return text(503, `SCEP endpoint not configured: ${config.message}`);
    }
    try {
      const path = url.pathname;
      if (path === "/admin" || path.startsWith("/admin/")) {
        return await handleAdmin(request, url, {
          config,
          ledger: ledgerFor(env, config.ledgerName),
          runtime: workerRuntime,
          intune: config.intune ? intuneClient(config.intune, env) : undefined,
        });
      }
      if ((path === "/crl" || path === "/crl.pem") && request.method === "GET") {
        return await crlResponse(request, url, config, ledgerFor(env, config.ledgerName), workerRuntime);
      }
      if (path === "/ca.crt" && request.method === "GET") return caCertificateResponse(config);
      // SCEP answers under any path (clients append /pkiclient.exe or use /cgi-bin/pkiclient.exe).
      return await handleScep(request, url, {
        config,
        runtime: workerRuntime,
        deps: () => ({
          ledger: ledgerFor(env, config.ledgerName),
          runtime: workerRuntime,
          intune: config.intune ? intuneClient(config.intune, env) : undefined,
        }),
      });
    } catch (e) {
      // Anything reaching here is our bug, not the client's: log it, answer without details.
      workerRuntime.log("internal-error", { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      return text(500, "internal error");
    }
  },
} satisfies ExportedHandler<Env>;
