// `npm run dev` as a developer runs it (scripts/dev.ts, then wrangler dev), on a port other than
// the default: the banner's commands use that port and carry the admin token, client keys go to
// per-identity directories under dev/, settings of wrangler.toml are read with the vars file, the
// Worker answers there, and wrangler says nothing about stale types. A vars file of its own and a
// temporary state directory keep the developer's .dev.vars and .wrangler/state out of it.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { parseDotenv } from "../../scripts/dotenv-file";
import { REPO_ROOT } from "../../scripts/lib/worker-server";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A port nothing listens on now (the OS picks it), for wrangler to take. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test("npm run dev -- --port N: the banner and the Worker use N, with the token; no stale-types warning", async () => {
  const dir = await mkdtemp(join(tmpdir(), "dev-command-"));
  dirs.push(dir);
  const vars = join(dir, "dev.vars");
  // A setting of the developer's own: the banner follows it.
  await writeFile(vars, 'CHALLENGE_MODE="static,one-time"\n');
  const [port, inspector] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/dev.ts",
      "--port",
      String(port),
      "--inspector-port",
      String(inspector),
      "--vars",
      vars,
      "--persist-to",
      join(dir, "state"),
    ],
    {
      cwd: REPO_ROOT,
      detached: true, // its own process group: wrangler and workerd stop with it
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  try {
    await expect.poll(() => output, { timeout: 60_000, interval: 250 }).toMatch(/Ready on http:\/\/127\.0\.0\.1:\d+/);
    const caps = await fetch(`http://127.0.0.1:${port}/scep?operation=GetCACaps`);
    expect(caps.status).toBe(200);

    const settings = parseDotenv(await readFile(vars, "utf8"));
    expect(settings.ADMIN_TOKEN).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const banner = output.slice(0, output.indexOf("wrangler"));
    expect(banner).toContain(`http://127.0.0.1:${port}/scep`);
    expect(banner).not.toContain(":8787");
    expect(banner).toContain(`SCEP_ADMIN_TOKEN='${settings.ADMIN_TOKEN}' npm run admin -- --url http://127.0.0.1:${port} stats`);
    expect(banner).toContain(`http://127.0.0.1:${port}/admin/`);
    expect(banner).toMatch(/CHALLENGE_MODE\s+static,one-time/);
    expect(banner).toContain("mint-challenge");
    expect(banner).toContain("-private-key dev/scepclient-dev-device/key.pem");
    expect(banner).toContain("--key dev/scep-client-dev-device/key.pem");
    expect(output).toContain(`Ready on http://127.0.0.1:${port}`);
    expect(output).not.toMatch(/types might be out of date/i);
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    await new Promise((r) => child.once("exit", r));
  }
}, 90_000);
