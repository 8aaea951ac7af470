// A CA generated once per test run for the workerd test project (vitest.config.ts passes it in as
// bindings). Node-side: runs when the config loads.
import { randomBytes } from "node:crypto";
import { generateCa } from "../../src/ca/ca-generate";

export const WORKER_TEST_CHALLENGE = "worker-test-challenge";

export function workerTestBindings(): Record<string, string> {
  const rnd = (n: number) => new Uint8Array(randomBytes(n));
  const ca = generateCa({
    subject: { commonName: "Worker Test CA", organization: "Edge SCEP tests" },
    key: { algorithm: "rsa", bits: 2048 },
    validityDays: 365,
    now: new Date(),
    randomBytes: rnd,
  });
  return {
    CA_CERT: ca.certPem,
    CA_KEY: ca.keyPem,
    SCEP_CHALLENGE: WORKER_TEST_CHALLENGE,
    CHALLENGE_MODE: "static",
    ALLOW_LEGACY_DES: "false",
  };
}
