// The Worker's bindings, derived from the settings table (src/settings/table.ts): every setting is
// an optional string (CERT_PROFILES may also arrive as a [vars] table), plus the two bindings.
// This is the one Env type: `wrangler types` is run without its own Env (package.json "types").
import type { Ledger } from "./ledger/ledger";
import type { RATE_LIMITS, SettingName } from "./settings/table";

export type Env = { [K in Exclude<SettingName, "CERT_PROFILES">]?: string } & {
  /** JSON (or a [vars] table): certificate profiles, see docs/configuration.md. */
  CERT_PROFILES?: string | Record<string, unknown>;
  CACHE: KVNamespace;
  LEDGER: DurableObjectNamespace<Ledger>;
} & {
  /** The abuse guard's counters (src/settings/table.ts RATE_LIMITS); absent: that limit is off. */
  [K in (typeof RATE_LIMITS)[number]["name"]]?: RateLimit;
};
