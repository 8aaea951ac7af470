// Serve the built Worker on loopback with a throwaway CA for manual smoke tests, e.g. of
// scripts/scep-client.ts. Stops by itself.
//   npx tsx test/interop/support/serve.ts [--seconds 120] [--ra] [--challenge s3cr3t] [--no-build]
// Prints one JSON line {url, caPath, challenge} on stdout once ready.
import { parseArgs } from "node:util";
import { createTestCa } from "../../../scripts/lib/test-ca";
import { buildWorker, startWorker } from "../../../scripts/lib/worker-server";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "120" },
    ra: { type: "boolean", default: false },
    challenge: { type: "string", default: "s3cr3t" },
    "no-build": { type: "boolean", default: false },
  },
});
const seconds = Math.min(Number(values.seconds) || 120, 3600);
const script = values["no-build"] ? "dist/index.js" : await buildWorker({ force: true });
const ca = await createTestCa({ ra: values.ra });
const bindings: Record<string, string> = {
  CA_CERT: ca.certPem,
  CA_KEY: ca.keyPem,
  SCEP_CHALLENGE: values.challenge!,
  CHALLENGE_MODE: "static",
  ALLOW_LEGACY_DES: "true",
};
if (ca.ra) {
  bindings.RA_CERT = ca.ra.certPem;
  bindings.RA_KEY = ca.ra.keyPem;
}
const worker = await startWorker({ bindings, scriptPath: script });
console.log(JSON.stringify({ url: worker.url, caPath: ca.certPath, raPath: ca.ra?.certPath, challenge: values.challenge, seconds }));
const stop = async () => {
  await worker.stop();
  await ca.cleanup();
  process.exit(0);
};
setTimeout(stop, seconds * 1000);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
