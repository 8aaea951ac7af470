import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { workerTestBindings } from "./test/support/worker-test-ca";

export default defineConfig({
  test: {
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
      // Black-box: the built Worker served on loopback, real clients from Debian.
      {
        test: {
          name: "interop",
          environment: "node",
          include: ["test/interop/**/*.test.ts"],
          globalSetup: ["test/interop/support/worker-server.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
