// micromdm's scepserver from the Debian `scep` package as a benchmark peer (never code of theirs in
// this repository): a fresh RSA-2048 depot, a static challenge, on loopback inside the private
// network namespace of scripts/lib/netns.ts (it listens on every interface of its namespace).
// Bounded: a start deadline, SIGTERM then SIGKILL on stop, its depot removed afterwards.
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunningPeer {
  url: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

export function scepserverInstalled(): boolean {
  return spawnSync("scepserver", ["-version"], { stdio: "ignore" }).status === 0;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout + stderr),
    ),
  );
}

export async function startScepserver(opts: { challenge: string; port: number; validityDays?: number }): Promise<RunningPeer> {
  const depot = await mkdtemp(join(tmpdir(), "bench-scepserver-"));
  let server: ChildProcess | undefined;
  try {
    await run("scepserver", ["ca", "-init", "-depot", depot, "-keySize", "2048", "-organization", "Bench Peer CA", "-years", "1"]);
    const version = (await run("scepserver", ["-version"])).trim().split("\n")[0] ?? "?";
    server = spawn(
      "scepserver",
      ["-depot", depot, "-port", String(opts.port), "-challenge", opts.challenge, "-allowrenew", "0", "-crtvalid", String(opts.validityDays ?? 30)],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    server.stderr!.on("data", (d) => (log = (log + d).slice(-4000)));
    const url = `http://127.0.0.1:${opts.port}/scep`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}?operation=GetCACaps`)).ok) break;
      } catch {}
      if (i > 200 || server.exitCode !== null) throw new Error(`scepserver did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const child = server;
    let stopped: Promise<void> | undefined;
    return {
      url,
      pid: child.pid!,
      version,
      stop: () =>
        (stopped ??= (async () => {
          child.kill("SIGTERM");
          const exited = new Promise((r) => child.once("exit", r));
          const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
          await exited;
          clearTimeout(killer);
          await rm(depot, { recursive: true, force: true });
        })()),
    };
  } catch (e) {
    server?.kill("SIGKILL");
    await rm(depot, { recursive: true, force: true });
    throw e;
  }
}
