// `npm run setup`: one deploy path that persists (docs/deployment.md). Uses the CA in --pki (or
// makes one with ca-bootstrap), stores every secret with `wrangler secret put` (value on stdin, never
// on a command line), CA_CERT and RA_CERT included, so that no later `wrangler deploy` can drop
// them, writes the non-secret settings given with --var into wrangler.toml [vars], deploys (wrangler
// creates the CACHE KV namespace on the first deploy: wrangler.toml names no id), and prints a
// checklist. Run again, it reuses the CA and the generated secrets. --dry-run does the local part
// and prints the rest.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadCaMaterial } from "../src/ca/ca-material";
import { SETTINGS } from "../src/settings/table";
import { dotenvLine, parseDotenv } from "./dotenv-file";
import { parseCommandLine, runMain, UsageError } from "./lib/cli";
import { REPO_ROOT, withVars } from "./lib/wrangler-config";

const HELP = `Usage: npm run setup -- [options]

Deploys the Worker to your Cloudflare account (wrangler login first), in one go that later deploys
keep: the CA and the generated secrets are stored with \`wrangler secret put\`.
  --pki DIR           the CA files (default ./pki, git-ignored). Used as they are when DIR holds
                      issuing-ca.key and ca-chain.pem (and ra.key, ra.crt); else ca-bootstrap makes a
                      root and an issuing CA there
  --ec                with a new CA: EC P-256 issuing CA and its RSA RA
  --retire OLD_DIR    CA rollover: OLD_DIR's issuing CA (issuing-ca.crt, issuing-ca.key) becomes
                      RETIRED_CA_CERTS / RETIRED_CA_KEYS while --pki's becomes current, all in one
                      deploy (wrangler deploy --secrets-file), so no request sees half a switch
  --var NAME=VALUE    a non-secret setting for wrangler.toml [vars], e.g. PUBLIC_BASE_URL=https://scep.example.com
                      or CHALLENGE_MODE=static,one-time (repeatable; names: docs/configuration.md)
  --config FILE       the wrangler configuration (default wrangler.toml)
  --dry-run           make the CA and the secrets file, then print the wrangler steps and the
                      wrangler.toml change instead of running them (no account needed)
  -h, --help          this text
Generated secrets (ADMIN_TOKEN, SCEP_CHALLENGE) are kept in DIR/secrets.env (mode 0600), never printed.`;

const SECRET_NAMES = new Set<string>(SETTINGS.filter((s) => s.kind === "secret").map((s) => s.name));
const VAR_NAMES = new Set<string>(SETTINGS.filter((s) => s.kind === "var").map((s) => s.name));
/** Vars stored as secrets: PEM certificates too long for a readable wrangler.toml, and which a deploy must never drop. */
const CERTIFICATE_VARS = ["CA_CERT", "RA_CERT"];

interface Step {
  describe: string;
  args: string[];
  stdin?: string;
}

function main(): void {
  const { values, positionals } = parseCommandLine("setup", HELP, {
    pki: { type: "string" },
    ec: { type: "boolean" },
    var: { type: "string", multiple: true },
    config: { type: "string" },
    retire: { type: "string" },
    "dry-run": { type: "boolean" },
  });
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const vars = parseVars(values.var ?? []);
  const config = resolve(values.config ?? join(REPO_ROOT, "wrangler.toml"));
  if (!existsSync(config)) throw new UsageError(`--config: ${config} does not exist`);
  const pki = resolve(values.pki ?? "pki");
  const dryRun = values["dry-run"] ?? false;

  const ca = ensureCa(pki, values.ec ?? false);
  const toml = readFileSync(config, "utf8");
  const modes = (vars.CHALLENGE_MODE ?? /^CHALLENGE_MODE\s*=\s*"([^"]*)"/m.exec(toml)?.[1] ?? "static").split(",").map((m) => m.trim());
  const generated = ensureGeneratedSecrets(pki, modes.includes("static"));

  const secrets: [string, string, string][] = [
    ["CA_KEY", ca.key, "issuing-ca.key"],
    ["CA_CERT", ca.chain, "ca-chain.pem"],
    ...(ca.ra
      ? ([
          ["RA_KEY", ca.ra.key, "ra.key"],
          ["RA_CERT", ca.ra.cert, "ra.crt"],
        ] as [string, string, string][])
      : []),
    ...Object.entries(generated).map(([name, value]) => [name, value, "secrets.env"] as [string, string, string]),
  ];
  if (values.retire) secrets.push(...retiredCa(resolve(values.retire), pki));
  const secretsFile = values.retire ? join(pki, "rollover-secrets.json") : undefined;
  const steps: Step[] = secretsFile
    ? [
        {
          describe: `wrangler deploy --secrets-file ${secretsFile}   (${secrets.map(([n]) => n).join(", ")} with the new version, at once)`,
          args: ["deploy", "--config", config, "--secrets-file", secretsFile],
        },
      ]
    : secrets.map(([name, value, from]) => ({
        describe: `wrangler secret put ${name}   (from ${join(pki, from)}, ${value.length} characters on stdin)`,
        args: ["secret", "put", name, "--config", config],
        stdin: value,
      }));
  if (!secretsFile)
    steps.push({ describe: "wrangler deploy   (creates the CACHE KV namespace on the first deploy)", args: ["deploy", "--config", config] });

  const newToml = Object.keys(vars).length ? withVars(toml, vars) : toml;
  console.log(`CA: ${join(pki, "ca-chain.pem")} (issuing CA SHA-256 ${ca.fingerprint})${ca.created ? ", created now" : ""}`);
  if (dryRun) {
    console.log("\nDry run: nothing is sent to Cloudflare.");
    if (newToml !== toml)
      console.log(
        `Would set in ${config} [vars]:\n${Object.entries(vars)
          .map(([k, v]) => `  ${k} = "${v}"`)
          .join("\n")}`,
      );
    console.log(`Would run, in this order:\n${steps.map((s) => `  ${s.describe}`).join("\n")}`);
  } else {
    if (newToml !== toml) {
      writeFileSync(config, newToml);
      console.log(`Set in ${config} [vars]: ${Object.keys(vars).join(", ")}`);
    }
    if (secretsFile) writeFileSync(secretsFile, JSON.stringify(Object.fromEntries(secrets.map(([n, v]) => [n, v]))), { mode: 0o600 });
    try {
      for (const step of steps) run(step);
    } finally {
      if (secretsFile) rmSync(secretsFile, { force: true });
    }
  }
  console.log(
    checklist(
      pki,
      vars,
      toml,
      dryRun,
      Object.keys(generated),
      secrets.map(([n]) => n),
    ),
  );
}

/** NAME=VALUE pairs of known non-secret settings; secrets and the certificates go through `secret put`. */
function parseVars(pairs: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = eq > 0 ? pair.slice(0, eq) : pair;
    if (eq <= 0) throw new UsageError(`--var ${name}: use NAME=VALUE`);
    if (SECRET_NAMES.has(name))
      throw new UsageError(`--var ${name}: a secret, stored with wrangler secret put (setup does that for the CA and the generated ones)`);
    if (CERTIFICATE_VARS.includes(name)) throw new UsageError(`--var ${name}: setup stores it as a secret from --pki`);
    if (!VAR_NAMES.has(name)) throw new UsageError(`--var ${name}: not a setting (docs/configuration.md lists them)`);
    vars[name] = pair.slice(eq + 1);
  }
  return vars;
}

function ensureCa(pki: string, ec: boolean) {
  const path = (name: string) => join(pki, name);
  let created = false;
  if (!existsSync(path("issuing-ca.key")) || !existsSync(path("ca-chain.pem"))) {
    if (existsSync(path("issuing-ca.key")))
      throw new Error(`${path("issuing-ca.key")} has no ca-chain.pem: finish it with npm run ca-bootstrap -- --out ${pki} --signed CERT`);
    const r = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/ca-bootstrap.ts"), "--out", pki, ...(ec ? ["--ec"] : [])], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (r.status !== 0) throw new Error("ca-bootstrap failed");
    created = true;
  }
  const key = readFileSync(path("issuing-ca.key"), "utf8");
  const chain = readFileSync(path("ca-chain.pem"), "utf8");
  const ra = existsSync(path("ra.crt")) ? { cert: readFileSync(path("ra.crt"), "utf8"), key: readFileSync(path("ra.key"), "utf8") } : undefined;
  // The Worker's own checks, before anything leaves this machine.
  const material = loadCaMaterial({ caCertPem: chain, caKeyPem: key, raCertPem: ra?.cert, raKeyPem: ra?.key });
  return { key, chain, ra, created, fingerprint: material.fingerprintSha256Hex.match(/../g)!.join(":") };
}

/** The CA being retired by a rollover: its certificate and key, checked as a pair and against the new one. */
function retiredCa(dir: string, pki: string): [string, string, string][] {
  if (dir === pki) throw new UsageError("--retire names the old CA's directory, --pki the new one's");
  const cert = readFileSync(join(dir, "issuing-ca.crt"), "utf8");
  const key = readFileSync(join(dir, "issuing-ca.key"), "utf8");
  const old = loadCaMaterial({ caCertPem: cert, caKeyPem: key }, { issuerOnly: true });
  const current = loadCaMaterial(
    { caCertPem: readFileSync(join(pki, "ca-chain.pem"), "utf8"), caKeyPem: readFileSync(join(pki, "issuing-ca.key"), "utf8") },
    { issuerOnly: true },
  );
  if (old.fingerprintSha256Hex === current.fingerprintSha256Hex) throw new UsageError("--retire and --pki hold the same CA");
  return [
    ["RETIRED_CA_CERTS", cert, "issuing-ca.crt"],
    ["RETIRED_CA_KEYS", key, "issuing-ca.key"],
  ];
}

/** ADMIN_TOKEN (and SCEP_CHALLENGE for static mode), made once and kept in DIR/secrets.env. */
function ensureGeneratedSecrets(pki: string, staticMode: boolean): Record<string, string> {
  const file = join(pki, "secrets.env");
  const kept = existsSync(file) ? parseDotenv(readFileSync(file, "utf8")) : {};
  const out: Record<string, string> = { ADMIN_TOKEN: kept.ADMIN_TOKEN ?? randomBytes(32).toString("base64url") };
  if (staticMode) out.SCEP_CHALLENGE = kept.SCEP_CHALLENGE ?? randomBytes(18).toString("base64url");
  const text = `# Generated by npm run setup: the values stored as Worker secrets. Keep them in a password manager.\n${Object.entries({
    ...kept,
    ...out,
  })
    .map(([k, v]) => dotenvLine(k, v))
    .join("\n")}\n`;
  writeFileSync(file, text, { mode: 0o600 });
  return out;
}

/** `wrangler …` (or $EDGE_SCEP_WRANGLER, the same command line) with the secret on stdin. */
function run(step: Step): void {
  const custom = process.env.EDGE_SCEP_WRANGLER;
  const [cmd, args] = custom ? [custom, step.args] : ["npx", ["--no-install", "wrangler", ...step.args]];
  console.log(`\n$ ${step.describe}`);
  const r = spawnSync(cmd, args, { input: step.stdin ?? "", stdio: ["pipe", "inherit", "inherit"], cwd: REPO_ROOT });
  if (r.status !== 0)
    throw new Error(
      `wrangler ${step.args.slice(0, 3).join(" ")} failed (exit ${r.status ?? r.signal}); fix it and run npm run setup again: it picks up where it stopped`,
    );
}

function checklist(pki: string, vars: Record<string, string>, toml: string, dryRun: boolean, generated: string[], stored: string[]): string {
  const has = (name: string) => vars[name] !== undefined || new RegExp(`^${name}\\s*=`, "m").test(toml);
  const mark = (done: boolean) => (done && !dryRun ? "[x]" : "[ ]");
  const base = vars.PUBLIC_BASE_URL ?? "https://<worker host>";
  return `
Checklist
  ${mark(true)} secrets stored: ${stored.join(", ")}
  ${mark(true)} deployed; the CACHE KV namespace is created by the first deploy and kept by later ones
  [ ] ${join(pki, "root-ca.key")}: move it offline (the Worker never needs it)
  [ ] ${generated.join(" and ")} are in ${join(pki, "secrets.env")} (mode 0600): keep them in a password manager
  ${has("PUBLIC_BASE_URL") ? "[x]" : "[ ]"} PUBLIC_BASE_URL${has("PUBLIC_BASE_URL") ? "" : ": npm run setup -- --var PUBLIC_BASE_URL=https://<your host>, so certificates carry CRL and CA URLs"}
  [ ] smoke test:  npm run scep-client -- --url ${base}/scep --challenge "$SCEP_CHALLENGE" --cn smoke-test
  [ ] admin console: ${base}/admin/ (sign in with ADMIN_TOKEN); put Cloudflare Access in front (ACCESS_TEAM_DOMAIN, ACCESS_AUD)
  [ ] Intune: docs/deployment.md, section 3
  Updating later: git pull && npm ci && npm run deploy (secrets and the KV namespace stay).`;
}

runMain("setup", main);
