import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      // Pure protocol and CA code, byte-level, in Node (the same node:crypto API as workerd).
      { test: { name: "unit", environment: "node", include: ["test/unit/**/*.test.ts"] } },
      // The Worker inside workerd, through the vitest plugin.
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: { name: "worker", include: ["test/worker/**/*.test.ts"] },
      },
      // Black-box: the built Worker served on loopback, real clients from Debian.
      {
        test: {
          name: "interop",
          environment: "node",
          include: ["test/interop/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
