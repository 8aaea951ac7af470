// CPU time of the processes serving a benchmark, from /proc (Linux): utime + stime of this
// process's descendants (Miniflare spawns workerd as a child), read before and after a run.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  cpuTicks: number;
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = s.lastIndexOf(")");
    const f = s.slice(close + 2).split(" "); // f[0] = state (field 3)
    return { pid, ppid: Number(f[1]), comm: s.slice(s.indexOf("(") + 1, close), cpuTicks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** Every live descendant of this process. */
function descendants(): ProcStat[] {
  const all: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) all.push(st);
  }
  const result: ProcStat[] = [];
  const frontier = [process.pid];
  while (frontier.length) {
    const parent = frontier.pop()!;
    for (const p of all) {
      if (p.ppid === parent) {
        result.push(p);
        frontier.push(p.pid);
      }
    }
  }
  return result;
}

/** The workerd processes among this process's descendants (all descendants if none is named so). */
export function servingPids(): number[] {
  const served = descendants();
  const workerd = served.filter((p) => /workerd/.test(p.comm));
  return (workerd.length ? workerd : served).map((p) => p.pid);
}

/** CPU ms of the given pids (threads included: /proc/<pid>/stat sums them). */
export function cpuMsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0;
  return (ticks * 1000) / CLK_TCK;
}

export function nodeCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
