// Ties the runtime types `wrangler types --include-env=false` generates (worker-configuration.d.ts)
// to this project's own Env (src/env.ts, derived from the settings table), so there is one Env and
// the generated file never depends on local secrets. Also types `exports.default` in the tests.
type EdgeScepEnv = import("./src/env").Env;
type EdgeScepEntry = typeof import("./src/index");

declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: EdgeScepEntry;
    durableNamespaces: "Ledger";
  }
  interface Env extends EdgeScepEnv {}
}
