// Every script's command line, as an admin meets it: `--help` prints the usage on stdout and exits
// 0 without doing anything else; an option it does not know, or a bad value, exits 2 with exactly
// one line on stderr (no stack trace) and nothing on stdout.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The script under Node with tsx's loader, as `npm run` runs it (asynchronous: the files run side by side). */
function run(script: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", `scripts/${script}.ts`, ...args],
      { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 },
      (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

// [script, a bad value that only that script's own check catches (none where its own test file
// covers one: admin-cli, setup, ca-bootstrap)]
const SCRIPTS: [string, string[] | undefined][] = [
  ["admin", undefined],
  ["scep-client", ["--url", "http://127.0.0.1:9/scep", "--cipher", "rc4"]],
  ["ca-bootstrap", undefined],
  ["setup", undefined],
  ["dev", ["--port", "99999"]],
  ["dev-intune", ["--ip", "127.0.0.1", "--port", "http"]],
  ["bench", ["--concurrency", "0"]],
  ["bench-ledger", ["--n", "0"]],
  ["bench-ocsp", ["--serials", "0"]],
  ["bench-hostile", ["--rounds", "11"]],
  ["soak", ["--concurrency", "65"]],
  ["intune-credential", ["--out", "/nonexistent/never-written", "--bits", "1024"]],
  ["screenshots", ["stray-argument"]],
];

describe.concurrent.each(SCRIPTS)("scripts/%s.ts", (script, badValue) => {
  it("--help: usage on stdout, exit 0", async () => {
    const r = await run(script, ["--help"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^(Usage|SCEP admin CLI|SCEP test client)/);
    expect(r.stdout).toContain("--help");
    expect(r.stderr).toBe("");
  }, 60_000);

  it.each([[["--no-such-option"]], ...(badValue ? [[badValue]] : [])])(
    "bad command line %j: one line on stderr, exit 2",
    async (args) => {
      const r = await run(script, args);
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/\(see --help\)\n$/);
      expect(r.stderr).not.toMatch(/\s+at .*\.(ts|js):\d+/);
    },
    60_000,
  );
});
