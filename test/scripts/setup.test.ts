// scripts/setup.ts (`npm run setup`) as an admin runs it, without a Cloudflare account: the dry run
// makes the CA and the secrets file and prints the steps, touching no wrangler.toml; with a stand-in
// for wrangler (EDGE_SCEP_WRANGLER) it stores every secret through stdin (never a command line),
// CA_CERT among them, writes only the --var settings into the config, deploys last, and a second
// run reuses the CA and the generated secrets. No secret value is ever printed.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseDotenv } from "../../scripts/dotenv-file";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "setup-test-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/setup.ts", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 90_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out: r.stdout + r.stderr };
}

/** Secret values that must never be printed: the generated ones and a line of every key. */
function secretsIn(pki: string): string[] {
  const generated = Object.values(parseDotenv(readFileSync(join(pki, "secrets.env"), "utf8")));
  const keyLines = ["issuing-ca.key", "root-ca.key"].map((f) => readFileSync(join(pki, f), "utf8").split("\n")[2]!);
  return [...generated, ...keyLines];
}

describe("npm run setup", () => {
  it("--dry-run: makes the CA and secrets.env (0600), lists every wrangler step, changes no config, prints no secret", () => {
    const dir = temp();
    const before = readFileSync(join(REPO_ROOT, "wrangler.toml"), "utf8");
    const r = setup(["--dry-run", "--pki", join(dir, "pki"), "--var", "PUBLIC_BASE_URL=https://scep.example.com"]);
    expect(r.status, r.out).toBe(0);
    expect(readFileSync(join(REPO_ROOT, "wrangler.toml"), "utf8")).toBe(before);
    expect(statSync(join(dir, "pki", "secrets.env")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "pki", "issuing-ca.key")).mode & 0o777).toBe(0o600);
    const order = ["secret put CA_KEY", "secret put CA_CERT", "secret put ADMIN_TOKEN", "secret put SCEP_CHALLENGE", "wrangler deploy"].map((s) =>
      r.stdout.indexOf(s),
    );
    expect(
      order.every((i) => i >= 0),
      r.out,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(r.stdout).toContain('PUBLIC_BASE_URL = "https://scep.example.com"');
    expect(r.stdout).toContain("Checklist");
    for (const secret of secretsIn(join(dir, "pki"))) expect(r.out).not.toContain(secret);
  }, 90_000);

  it("with wrangler: secrets on stdin (CA_CERT and RA_CERT too), --var into the config, deploy last; a rerun reuses everything", () => {
    const dir = temp();
    const config = join(dir, "wrangler.toml");
    copyFileSync(join(REPO_ROOT, "wrangler.toml"), config);
    const log = join(dir, "calls.jsonl");
    const fake = join(dir, "fake-wrangler.mjs");
    writeFileSync(
      fake,
      // Records each call: its arguments, its stdin, and the secrets file it was handed (deleted after).
      `import { appendFileSync, readFileSync } from "node:fs";\nconst args = process.argv.slice(2);\nconst f = args.indexOf("--secrets-file");\nappendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, stdin: readFileSync(0, "utf8"), secretsFile: f > 0 ? readFileSync(args[f + 1], "utf8") : undefined }) + "\\n");\n`,
    );
    const wrangler = join(dir, "wrangler");
    writeFileSync(wrangler, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(fake)} "$@"\n`);
    chmodSync(wrangler, 0o755);
    const pki = join(dir, "pki");
    const args = [
      "--pki",
      pki,
      "--ec",
      "--config",
      config,
      "--var",
      "CHALLENGE_MODE=static,one-time",
      "--var",
      "PUBLIC_BASE_URL=https://scep.example.com",
    ];
    const r = setup(args, { EDGE_SCEP_WRANGLER: wrangler });
    expect(r.status, r.out).toBe(0);

    const calls = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { args: string[]; stdin: string });
    const put = (name: string) => calls.find((c) => c.args[0] === "secret" && c.args[2] === name);
    expect(put("CA_KEY")!.stdin).toBe(readFileSync(join(pki, "issuing-ca.key"), "utf8"));
    expect(put("CA_CERT")!.stdin).toBe(readFileSync(join(pki, "ca-chain.pem"), "utf8"));
    expect(put("RA_KEY")!.stdin).toBe(readFileSync(join(pki, "ra.key"), "utf8"));
    expect(put("RA_CERT")!.stdin).toBe(readFileSync(join(pki, "ra.crt"), "utf8"));
    const generated = parseDotenv(readFileSync(join(pki, "secrets.env"), "utf8"));
    expect(put("ADMIN_TOKEN")!.stdin).toBe(generated.ADMIN_TOKEN);
    expect(put("SCEP_CHALLENGE")!.stdin).toBe(generated.SCEP_CHALLENGE);
    expect(calls.at(-1)!.args).toEqual(["deploy", "--config", config]);
    for (const c of calls) expect(c.args).toContain(config);
    const argv = calls.flatMap((c) => c.args).join(" ");
    for (const secret of secretsIn(pki)) {
      expect(argv).not.toContain(secret);
      expect(r.out).not.toContain(secret);
    }
    const toml = readFileSync(config, "utf8");
    expect(toml).toContain('CHALLENGE_MODE = "static,one-time"');
    expect(toml).toContain('PUBLIC_BASE_URL = "https://scep.example.com"');
    expect(toml).not.toContain("BEGIN");

    const again = setup(args, { EDGE_SCEP_WRANGLER: wrangler });
    expect(again.status, again.out).toBe(0);
    expect(parseDotenv(readFileSync(join(pki, "secrets.env"), "utf8"))).toEqual(generated);
    expect(readFileSync(config, "utf8")).toBe(toml);
    expect(again.out).not.toContain("created now");

    // A rollover: the old CA retired and the new one current in one deploy, through a secrets file that is gone afterwards.
    const next = join(dir, "pki-next");
    const rolled = setup(["--pki", next, "--retire", pki, "--config", config], { EDGE_SCEP_WRANGLER: wrangler });
    expect(rolled.status, rolled.out).toBe(0);
    const last = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { args: string[]; secretsFile?: string })
      .at(-1)!;
    expect(last.args.slice(0, 4)).toEqual(["deploy", "--config", config, "--secrets-file"]);
    const uploaded = JSON.parse(last.secretsFile!) as Record<string, string>;
    expect(uploaded.RETIRED_CA_CERTS).toBe(readFileSync(join(pki, "issuing-ca.crt"), "utf8"));
    expect(uploaded.RETIRED_CA_KEYS).toBe(readFileSync(join(pki, "issuing-ca.key"), "utf8"));
    expect(uploaded.CA_KEY).toBe(readFileSync(join(next, "issuing-ca.key"), "utf8"));
    expect(uploaded.CA_CERT).toBe(readFileSync(join(next, "ca-chain.pem"), "utf8"));
    expect(existsSync(last.args[4]!)).toBe(false);
    for (const secret of Object.values(uploaded)) expect(rolled.out).not.toContain(secret.split("\n")[2] ?? secret);
  }, 90_000);

  it("--help exits 0 with the usage; bad options exit 2 with one line; a failing wrangler stops the run", () => {
    const help = setup(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run setup/);
    for (const bad of [["--bogus"], ["--var", "CA_KEY=x"], ["--var", "NOT_A_SETTING=1"], ["--var", "CA_CERT=x"], ["stray"]]) {
      const r = setup(bad);
      expect(r.status, bad.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n"), bad.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(/^setup: .*\(see --help\)\n$/);
    }
    const dir = temp();
    const failing = join(dir, "wrangler");
    writeFileSync(failing, "#!/bin/sh\nexit 7\n");
    chmodSync(failing, 0o755);
    const config = join(dir, "wrangler.toml");
    copyFileSync(join(REPO_ROOT, "wrangler.toml"), config);
    const r = setup(["--pki", join(dir, "pki"), "--config", config], { EDGE_SCEP_WRANGLER: failing });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/wrangler secret put CA_KEY failed \(exit 7\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});
