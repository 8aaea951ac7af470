// `npm run dev:intune`: local Intune development loop, offline.
//   1. starts the Microsoft fake (test/fakes/microsoft): the Entra token endpoint on
//      127.0.0.1:8790, Graph discovery on :8791, the Intune services (ScepActions and the
//      revocation feed) on :8792, each on its own origin as in the real clouds;
//   2. makes sure the vars file holds a development CA, static challenge and ALLOW_LEGACY_DES
//      (scripts/lib/dev-vars.ts, as npm run dev);
//   3. runs `wrangler dev` with CHALLENGE_MODE=intune,static and the Intune settings pointing at the
//      fake (--var, which locally works for the INTUNE_CLIENT_SECRET secret too);
//   4. mints an Intune challenge bound to the subject scepclient will send and prints a ready
//      scepclient command, and the commands that queue a revocation request in the fake (as Intune
//      does when a device is retired) and trigger the revocation sync's Cron Trigger.
//      Ctrl-C (or SIGTERM) stops wrangler and the fake.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { createMicrosoftFake, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT_ID } from "../test/fakes/microsoft/fake";
import { startMicrosoftFakeServer } from "../test/fakes/microsoft/node-server";
import { intOption, parseCommandLine, runMain, UsageError, usageExit } from "./lib/cli";
import { ensureDevVars } from "./lib/dev-vars";

const HELP = `Usage: npm run dev:intune -- [options]

The Worker under wrangler dev with Intune validation against a local fake of Entra ID, Microsoft
Graph and Intune; prints a ready scepclient command with an Intune challenge.
  --port N             the Worker's port (default 8787)
  --ip ADDRESS         the Worker's listen address (default 127.0.0.1; the fake is always on 127.0.0.1)
  --fake-port N        the Microsoft fake's first port (default 8790; Graph and Intune take the next two)
  --inspector-port N   wrangler's DevTools inspector port (default: wrangler.toml [dev], 8788)
  --vars FILE          the settings file (default .dev.vars), created or completed as npm run dev does
  --persist-to DIR     where local KV and Durable Object data are kept
  --cn NAME            the device name the challenge is bound to (default dev-intune-device)
  --seconds N          stop after N seconds (for scripts)
  -h, --help           this text
More challenges: curl -s -X POST http://127.0.0.1:8790/_fake/challenges -d '{"expectedSubject":"C=US,O=scep-client,OU=MDM,CN=x"}'
Request log of the fake: curl -s http://127.0.0.1:8790/_fake/requests`;

const { values, positionals } = parseCommandLine("dev:intune", HELP, {
  "fake-port": { type: "string" },
  port: { type: "string" },
  ip: { type: "string" },
  "inspector-port": { type: "string" },
  vars: { type: "string" },
  "persist-to": { type: "string" },
  cn: { type: "string" },
  seconds: { type: "string" },
});

const ROOT = resolve(import.meta.dirname, "..");
const varsPath = resolve(values.vars ?? ".dev.vars");
const [workerPort, fakePort, seconds] = numbers();
const ip = values.ip ?? "127.0.0.1";
const cn = values.cn ?? "dev-intune-device";
const host = ip.includes(":") ? `[${ip}]` : ip === "0.0.0.0" ? "127.0.0.1" : ip;
const endpoint = `http://${host}:${workerPort}/scep`;
const log = (line: string) => process.stdout.write(`[dev:intune] ${line}\n`);

// scepclient builds its subject from -country (US), -organization (scep-client), -ou (MDM), -cn.
const expectedSubject = `C=US,O=scep-client,OU=MDM,CN=${cn}`;

async function main(): Promise<void> {
  const fake = createMicrosoftFake();
  let dev: ReturnType<typeof ensureDevVars>;
  try {
    dev = ensureDevVars(varsPath);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const staticChallenge = dev.settings.SCEP_CHALLENGE;
  const running = await startMicrosoftFakeServer(fake, fakePort);
  log(`Microsoft fake: Entra ${running.authorityUrl}, Graph ${running.graphUrl}, Intune ${running.intuneUrl}`);
  log(`development CA and secrets: ${varsPath}`);

  const vars: Record<string, string> = {
    CHALLENGE_MODE: "intune,static",
    INTUNE_TENANT_ID: FAKE_TENANT_ID,
    INTUNE_CLIENT_ID: FAKE_CLIENT_ID,
    INTUNE_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    ENTRA_AUTHORITY_URL: running.authorityUrl,
    GRAPH_BASE_URL: running.graphUrl,
  };
  const args = ["--no-install", "wrangler", "dev", "--ip", ip, "--port", String(workerPort), "--show-interactive-dev-session=false"];
  if (values["inspector-port"]) args.push("--inspector-port", values["inspector-port"]);
  if (values["persist-to"]) args.push("--persist-to", resolve(values["persist-to"]));
  if (varsPath !== resolve(ROOT, ".dev.vars")) args.push("--env-file", varsPath);
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);

  // Own process group, so wrangler and its workerd stop together.
  const wrangler = spawn("npx", args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  const relay = (stream: NodeJS.ReadableStream) =>
    stream.setEncoding("utf8").on("data", (d: string) => {
      for (const line of d.split("\n"))
        if (line.trim()) process.stdout.write(`[wrangler] ${line.replace(/INTUNE_CLIENT_SECRET\s+"[^"]*"/, 'INTUNE_CLIENT_SECRET "(hidden)"')}\n`);
    });
  relay(wrangler.stdout!);
  relay(wrangler.stderr!);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping wrangler and the fake");
    await stopGroup(wrangler);
    await running.close();
    process.exit(code);
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => void stop(0));
  wrangler.on("exit", (code) => {
    if (!stopping) {
      log(`wrangler exited (${code ?? "signal"})`);
      void stop(code ?? 1);
    }
  });

  try {
    await waitReady(`${endpoint}?operation=GetCACaps`, 120_000, () => stopping);
  } catch (e) {
    process.stderr.write(`dev:intune: ${e instanceof Error ? e.message : String(e)}\n`);
    await stop(1);
    return;
  }
  const challenge = fake.mintChallenge({ expectedSubject, keyBits: 2048, notAfter: new Date(Date.now() + 24 * 3_600_000) });
  const dir = `dev/intune-${cn}-${Date.now()}`;
  const command = `mkdir -p ${dir} && scepclient -server-url ${endpoint} -challenge '${challenge}' -cn ${cn} -private-key ${dir}/device.key -certificate ${dir}/device.crt`;
  // Intune queues a revocation request with the serial and issuer our success notification reported.
  const revoke = [
    `SERIAL=$(openssl x509 -in ${dir}/device.crt -noout -serial | cut -d= -f2)`,
    `curl -s -X POST ${running.url}/_fake/revocations -d "{\\"serialNumber\\":\\"$SERIAL\\"}"`,
    `curl -s "http://${host}:${workerPort}/cdn-cgi/local/scheduled?cron=0+*+*+*+*"`,
    `curl -s ${running.url}/_fake/revocations`,
  ].join(" && ");
  process.stdout.write(`
Edge SCEP (wrangler dev) with Intune validation against the local Microsoft fake is ready.
  SCEP endpoint        ${endpoint}
  CHALLENGE_MODE       intune,static   (static challenge: ${staticChallenge ?? "see " + varsPath})
  Microsoft fake       Entra ${running.authorityUrl}  Graph ${running.graphUrl}  Intune ${running.intuneUrl}
                       (log: ${running.url}/_fake/requests)
  Intune challenge     bound to ${expectedSubject}, RSA 2048, valid 24 h

Enroll with micromdm scepclient (a fresh directory: scepclient reuses csr.pem):
  ${command}

Revocation sync: queue a revocation request for that certificate in the fake (as Intune does when
the device is retired), run the Cron Trigger now, and read the result Intune received:
  ${revoke}
Then the CRL lists it:  curl -s http://${host}:${workerPort}/crl | openssl crl -inform DER -noout -text
(The fake answers nothing for 60 minutes after a download, as Intune does: POST ${running.url}/_fake/revocations/cooldown-end to skip that.)

Another challenge:
  curl -s -X POST ${running.url}/_fake/challenges -d '{"expectedSubject":"C=US,O=scep-client,OU=MDM,CN=other"}'

INTUNE_CHALLENGE=${challenge}
SCEPCLIENT_COMMAND=${command}
REVOCATION_COMMAND=${revoke}
Ctrl-C stops wrangler and the fake.
`);
  if (seconds) setTimeout(() => void stop(0), seconds * 1000).unref();
}

async function waitReady(url: string, timeoutMs: number, cancelled: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !cancelled()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      if (res.status === 503) throw new Error(`the Worker refuses its configuration: ${await res.text()}`);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("the Worker")) throw e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!cancelled()) throw new Error(`wrangler dev did not answer on ${url} within ${timeoutMs / 1000} s`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
  // workerd may outlive wrangler briefly: make sure the group is gone.
  signal("SIGKILL");
}

/** The numeric options, checked before anything starts (a bad one exits 2 with one line). */
function numbers(): [number, number, number | undefined] {
  try {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    return [
      intOption(values.port, "port", 8787, 1, 65535),
      intOption(values["fake-port"], "fake-port", 8790, 1, 65533),
      values.seconds === undefined ? undefined : intOption(values.seconds, "seconds", 0, 1, 86_400),
    ];
  } catch (e) {
    return usageExit("dev:intune", e instanceof Error ? e.message : String(e));
  }
}

runMain("dev:intune", main);
