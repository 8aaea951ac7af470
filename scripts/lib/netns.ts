// Runs a script inside a private network namespace that has only loopback, so that a benchmark
// peer which cannot be told where to listen (micromdm's scepserver binds ":port", every
// interface) is reachable from this machine alone. Needs root and util-linux `unshare` (the
// Debian packages the interop tests already use); without them the caller runs without the peer.
import { spawn, spawnSync } from "node:child_process";

const MARK = "SCEP_LOOPBACK_NAMESPACE";

export type Namespace = "inside" | "unavailable";

/** True when `unshare -n` can be used here. */
function canUnshare(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync("unshare", ["-n", "true"], { stdio: "ignore" }).status === 0 && spawnSync("ip", ["-V"], { stdio: "ignore" }).status === 0;
}

/**
 * "inside" when this process already runs in the namespace; "unavailable" when it cannot be made.
 * Otherwise re-runs this same script (same Node, loader and arguments plus `extraArgs`) in a new
 * namespace with loopback up, waits for it, and exits with its status: the call does not return.
 */
export async function reenterInLoopbackNamespace(extraArgs: string[] = []): Promise<Namespace> {
  if (process.env[MARK] === "1") return "inside";
  if (!canUnshare()) return "unavailable";
  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1), ...extraArgs];
  const child = spawn("unshare", ["-n", "--", "/bin/sh", "-c", 'ip link set lo up && exec "$@"', "sh", ...argv], {
    stdio: "inherit",
    env: { ...process.env, [MARK]: "1" },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward).on("SIGTERM", forward);
  const code = await new Promise<number>((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? 128 : 1))));
  process.exit(code);
}
