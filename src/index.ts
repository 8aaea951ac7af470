// Worker entry: configuration check, routing, and the Durable Object export.
import { loadConfig, ConfigError } from "./config";
import type { Env } from "./env";
import { handleScep, text } from "./http/scep-routes";
import { ledgerFor } from "./ledger/client";
import { workerRuntime } from "./runtime";

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
      return await handleScep(request, url, {
        config,
        ledger: () => ledgerFor(env, config.ledgerName),
        runtime: workerRuntime,
      });
    } catch (e) {
      // Anything reaching here is our bug, not the client's: log it, answer without details.
      workerRuntime.log("internal-error", { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      return text(500, "internal error");
    }
  },
} satisfies ExportedHandler<Env>;
