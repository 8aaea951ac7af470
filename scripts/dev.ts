// `npm run dev`: the Worker under `wrangler dev` on loopback, with a development CA, a static
// challenge and an admin token kept in .dev.vars (scripts/lib/dev-vars.ts), and a banner with
// commands that work as printed: the port and address wrangler will really use, the admin token,
// and client keys under dev/<client>-<name>/ (git-ignored), one directory per identity because
// scepclient keeps csr.pem next to its key and sends it again.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { ensureDevVars } from "./lib/dev-vars";
import { intOption, parseCommandLine, runMain, UsageError } from "./lib/cli";
import { REPO_ROOT } from "./lib/wrangler-config";

const HELP = `Usage: npm run dev -- [options]

Runs the Worker locally (wrangler dev) with a development CA; prints how to enroll against it.
  --port N             HTTP port (default 8787, wrangler.toml [dev])
  --ip ADDRESS         listen address (default 127.0.0.1)
  --inspector-port N   DevTools inspector port (default 8788)
  --vars FILE          the settings file (default .dev.vars); created or completed as needed
  --persist-to DIR     where local KV and Durable Object data are kept (default .wrangler/state)
  --cn NAME            the device name in the printed commands (default dev-device)
  -h, --help           this text
Settings come from wrangler.toml [vars] and the vars file (which wins), as wrangler dev reads them.`;

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine("dev", HELP, {
    port: { type: "string" },
    ip: { type: "string" },
    "inspector-port": { type: "string" },
    vars: { type: "string" },
    "persist-to": { type: "string" },
    cn: { type: "string" },
  });
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const port = intOption(values.port, "port", 8787, 1, 65535);
  const inspector = intOption(values["inspector-port"], "inspector-port", 8788, 1, 65535);
  const ip = values.ip ?? "127.0.0.1";
  if (!/^[0-9a-fA-F.:]+$|^localhost$/.test(ip)) throw new UsageError("--ip must be an address such as 127.0.0.1");
  const cn = values.cn ?? "dev-device";
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(cn)) throw new UsageError("--cn: letters, digits, dot, dash and underscore only");
  const varsPath = resolve(values.vars ?? ".dev.vars");
  const dev = ensureDevVars(varsPath);
  process.stdout.write(banner(dev.settings, dev.fingerprint, { host: ip.includes(":") ? `[${ip}]` : ip, port, cn, varsPath, created: dev.created }));

  const args = [
    "--no-install",
    "wrangler",
    "dev",
    "--ip",
    ip,
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--show-interactive-dev-session=false",
  ];
  // wrangler reads .dev.vars next to wrangler.toml by default; any other file only through --env-file.
  if (varsPath !== resolve(REPO_ROOT, ".dev.vars")) args.push("--env-file", varsPath);
  if (values["persist-to"]) args.push("--persist-to", resolve(values["persist-to"]));
  const child = spawn("npx", args, {
    cwd: REPO_ROOT,
    stdio: "inherit",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => child.kill(sig));
  return new Promise((done) => child.on("exit", (code, signal) => done(code ?? (signal ? 0 : 1))));
}

function banner(
  s: Record<string, string>,
  fingerprint: string,
  o: { host: string; port: number; cn: string; varsPath: string; created: boolean },
): string {
  const base = `http://${o.host}:${o.port}`;
  const modes = (s.CHALLENGE_MODE ?? "static").split(",").map((m) => m.trim());
  const challenge = modes.includes("static") ? s.SCEP_CHALLENGE : undefined;
  const auth = `SCEP_ADMIN_TOKEN='${s.ADMIN_TOKEN}'`;
  const scepclientDir = `dev/scepclient-${o.cn}`;
  const clientDir = `dev/scep-client-${o.cn}`;
  const lines = [
    o.created ? `Wrote a development CA and settings to ${o.varsPath}` : `Settings: wrangler.toml [vars] and ${o.varsPath}`,
    "",
    `SCEP endpoint        ${base}/scep`,
    `CA SHA-256           ${fingerprint}`,
    `CHALLENGE_MODE       ${modes.join(",")}${s.APPROVAL_MODE && s.APPROVAL_MODE !== "auto" ? `   APPROVAL_MODE ${s.APPROVAL_MODE}` : ""}`,
    `Static challenge     ${challenge ?? "(not in CHALLENGE_MODE)"}`,
    "",
  ];
  if (challenge) {
    lines.push(
      "Enroll a test device (micromdm scepclient; its own directory, since it reuses csr.pem there):",
      `  mkdir -p ${scepclientDir} && scepclient -server-url ${base}/scep -challenge '${challenge}' -cn ${o.cn} -private-key ${scepclientDir}/key.pem -certificate ${scepclientDir}/cert.pem`,
      "Or with the project's client (AES-128, SHA-256, POST):",
      `  npm run scep-client -- --url ${base}/scep --challenge '${challenge}' --cn ${o.cn} --key ${clientDir}/key.pem --out ${clientDir}/cert.pem`,
      "",
    );
  }
  if (modes.includes("one-time"))
    lines.push("A one-time challenge:", `  ${auth} npm run admin -- --url ${base} mint-challenge --subject 'CN=${o.cn}'`, "");
  lines.push(
    `Admin console        ${base}/admin/   (sign in with the admin token)`,
    `Admin token          ${s.ADMIN_TOKEN}   (ADMIN_TOKEN in ${o.varsPath})`,
    `  ${auth} npm run admin -- --url ${base} stats`,
    "",
  );
  return `${lines.join("\n")}\n`;
}

runMain("dev", main);
