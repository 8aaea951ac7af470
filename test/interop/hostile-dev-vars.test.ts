// The test suite must not depend on the developer's local settings: a copy of the project with a
// hostile .dev.vars and .env (manual approval, Intune mode, a broken CA) next to wrangler.toml runs
// the worker project's enrollment tests, which pass, and wrangler never says it read them.
// (Before, the worker project read .dev.vars through wrangler's config loader: with
// APPROVAL_MODE="manual" there, 67 worker tests failed.)
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/worker-server";

const HOSTILE = [
  'APPROVAL_MODE="manual"',
  'CHALLENGE_MODE="intune"',
  'SCEP_CHALLENGE="hostile"',
  'CA_CERT="not a certificate"',
  'SAN_TYPES="none"',
  "",
].join("\n");
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("worker tests pass with a hostile .dev.vars and .env in the project", async () => {
  dir = await mkdtemp(join(tmpdir(), "hostile-dev-vars-"));
  for (const entry of [
    "src",
    "scripts",
    "test/support",
    "test/worker",
    "package.json",
    "tsconfig.json",
    "wrangler.toml",
    "vitest.config.ts",
    "worker-configuration.d.ts",
    "worker-env.d.ts",
  ]) {
    await cp(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
  }
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  await writeFile(join(dir, ".dev.vars"), HOSTILE);
  await writeFile(join(dir, ".env"), HOSTILE);
  // Enrollments that a leaked APPROVAL_MODE, CHALLENGE_MODE or CA_CERT would all break.
  const files = ["test/worker/challenge-password.test.ts"];
  const run = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile(
      process.execPath,
      // A generous test timeout: this run shares the machine with the rest of the suite.
      [join(REPO_ROOT, "node_modules/vitest/vitest.mjs"), "run", "--project", "worker", "--testTimeout", "60000", ...files],
      { cwd: dir, timeout: 150_000, maxBuffer: 16 << 20, env: { ...process.env, CI: "", NO_COLOR: "1" } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: `${stdout}${stderr}` }),
    ),
  );
  expect(run.code, run.out).toBe(0);
  expect(run.out).toMatch(/Tests\s+\d+ passed/);
  expect(run.out).not.toContain("Using secrets defined in");
  expect(run.out).not.toContain("configLoader");
}, 180_000);
