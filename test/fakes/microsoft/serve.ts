// Starts the Microsoft fake on 127.0.0.1:PORT and mints one Intune challenge, for a dev:intune flow:
//   npx tsx test/fakes/microsoft/serve.ts [--port 8790 (Entra; Graph and Intune on the next two)] [--subject "CN=device-1"] [--san dns:device-1.example]
// Prints the settings for .dev.vars (stderr) and the challenge alone on stdout's last line.
// More challenges: curl -X POST http://127.0.0.1:PORT/_fake/challenges -d '{"expectedSubject":"CN=x"}'
import { parseArgs } from "node:util";
import { createMicrosoftFake, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT_ID } from "./fake";
import { startMicrosoftFakeServer } from "./node-server";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8790" },
    subject: { type: "string" },
    san: { type: "string", multiple: true },
    "key-bits": { type: "string" },
    lenient: { type: "boolean", default: false },
  },
});

const fake = createMicrosoftFake({ strict: !values.lenient });
const running = await startMicrosoftFakeServer(fake, Number(values.port));
const challenge = fake.mintChallenge({
  ...(values.subject ? { expectedSubject: values.subject } : {}),
  ...(values.san?.length ? { expectedSans: values.san } : {}),
  ...(values["key-bits"] ? { keyBits: Number(values["key-bits"]) } : {}),
  notAfter: new Date(Date.now() + 24 * 3_600_000),
});
process.stderr.write(
  [
    `Microsoft fake: Entra ${running.authorityUrl}, Graph ${running.graphUrl}, Intune ${running.intuneUrl}`,
    "Settings for .dev.vars:",
    `  CHALLENGE_MODE=intune`,
    `  INTUNE_TENANT_ID=${FAKE_TENANT_ID}`,
    `  INTUNE_CLIENT_ID=${FAKE_CLIENT_ID}`,
    `  INTUNE_CLIENT_SECRET=${FAKE_CLIENT_SECRET}`,
    `  ENTRA_AUTHORITY_URL=${running.authorityUrl}`,
    `  GRAPH_BASE_URL=${running.graphUrl}`,
    `Request log: ${running.url}/_fake/requests   notifications: ${running.url}/_fake/notifications`,
    "Challenge (valid 24 h):",
    "",
  ].join("\n"),
);
process.stdout.write(`${challenge}\n`);

const stop = () => void running.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
