import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
// With its extension: Vite bundles this file to load it and warns about extensionless imports.
import { compatibilityDate, rateLimitBindings, wranglerVars } from "./scripts/lib/wrangler-config.ts";

export default defineConfig({
  test: {
    // Structured logs of passing tests are noise; a failing test still shows its output.
    silent: "passed-only",
    // vitest's default on 2 cores is one file at a time. Most interop time is spent waiting on real
    // clients, Miniflare and timers, so a few files run side by side.
    maxWorkers: 4,
    // A few tests are CPU-bound on purpose (fuzzing, 600 identical sends): on 2 shared cores they
    // can take longer than vitest's 5 s default without anything being wrong.
    testTimeout: 30_000,
    projects: [
      // Pure protocol and CA code, byte-level, in Node (the same node:crypto API as workerd).
      // No module state leaks between these files, so one Node worker serves them all (isolate: false).
      { test: { name: "unit", environment: "node", include: ["test/unit/**/*.test.ts"], isolate: false } },
      // The scripts as an admin runs them (tsx in a child process): mostly waiting on children, so
      // in their own project they run beside the unit files instead of after them.
      { test: { name: "scripts", environment: "node", include: ["test/scripts/**/*.test.ts"], testTimeout: 90_000 } },
      // The Worker inside workerd, through the vitest plugin, with a CA generated for this run.
      // Configured here rather than from wrangler.toml, so that no developer's .dev.vars (read next to
      // the wrangler config) reaches the tests: only wrangler.toml's [vars] and [[ratelimits]] and the test CA do.
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: "./src/index.ts",
            miniflare: {
              compatibilityDate: compatibilityDate(),
              compatibilityFlags: ["nodejs_compat"],
              kvNamespaces: ["CACHE"],
              durableObjects: { LEDGER: { className: "Ledger", useSQLite: true } },
              // wrangler.toml's [[ratelimits]], as deployed (test/worker/rate-limits.test.ts).
              ratelimits: rateLimitBindings(),
              bindings: { ...wranglerVars(), ...inject("workerTestBindings") },
            },
          })),
        ],
        // One workerd runtime for all files: every test uses its own transactionIDs, names and
        // ledger objects, so shared storage is safe, and it saves a runtime start per file.
        test: { name: "worker", include: ["test/worker/**/*.test.ts"], isolate: false, globalSetup: ["test/support/worker-test-setup.ts"] },
      },
      // The Intune client and the Microsoft fake in Node (fetch + WebCrypto, as in workerd).
      {
        test: {
          name: "intune",
          environment: "node",
          include: ["test/intune/**/*.test.ts"],
          exclude: ["test/intune/**/*.worker.test.ts"],
          isolate: false,
        },
      },
      // The same client inside workerd, with a real KV binding and the fake behind fetch.
      {
        plugins: [
          cloudflareTest({
            miniflare: { compatibilityDate: compatibilityDate(), compatibilityFlags: ["nodejs_compat"], kvNamespaces: ["INTUNE_CACHE"] },
          }),
        ],
        test: { name: "intune-worker", include: ["test/intune/**/*.worker.test.ts"] },
      },
      // Black-box: the built Worker served on loopback, real clients from Debian.
      {
        test: {
          name: "interop",
          environment: "node",
          include: ["test/interop/**/*.test.ts"],
          globalSetup: ["scripts/lib/worker-server.ts"],
          // Each file starts its own Worker and clients; none relies on fresh module state.
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // The admin console in Debian's Chromium (playwright-core), against the built Worker on loopback.
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["scripts/lib/worker-server.ts"],
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
