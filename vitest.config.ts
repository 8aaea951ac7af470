import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { compatibilityDate } from "./scripts/lib/wrangler-config";
import { workerTestBindings } from "./test/support/worker-test-ca";

export default defineConfig({
  test: {
    // Structured logs of passing tests are noise; a failing test still shows its output.
    silent: "passed-only",
    projects: [
      // Pure protocol and CA code, byte-level, in Node (the same node:crypto API as workerd).
      { test: { name: "unit", environment: "node", include: ["test/unit/**/*.test.ts"] } },
      // The Worker inside workerd, through the vitest plugin, with a CA generated for this run.
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: workerTestBindings() },
          }),
        ],
        test: { name: "worker", include: ["test/worker/**/*.test.ts"] },
      },
      // The Intune client and the Microsoft fake in Node (fetch + WebCrypto, as in workerd).
      {
        test: {
          name: "intune",
          environment: "node",
          include: ["test/intune/**/*.test.ts"],
          exclude: ["test/intune/**/*.worker.test.ts"],
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
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
