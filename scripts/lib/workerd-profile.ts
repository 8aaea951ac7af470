// CPU profiles of workerd's isolates, over the V8 inspector workerd serves when Miniflare is given
// an inspectorPort (its /json lists one target per isolate: "core:user:" is the Worker and its
// Durable Object, "core:entry" Miniflare's own entry worker, "ratelimit:ns" its simulation of the
// Rate Limiting binding, ...). Profiler.start/stop over the DevTools protocol, one socket each.

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

class Target {
  private next = 1;
  private readonly waiting = new Map<number, (result: unknown) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const done = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      done?.(msg.error ? new Error(msg.error.message) : msg.result);
    });
  }

  static open(url: string): Promise<Target> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener("open", () => resolve(new Target(ws)), { once: true });
      ws.addEventListener("error", () => reject(new Error(`inspector ${url}: connection failed`)), { once: true });
      ws.addEventListener("close", () => reject(new Error(`inspector ${url}: closed`)), { once: true });
    });
  }

  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    const result = await new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
    if (result instanceof Error) throw result;
    return result as T;
  }

  close(): void {
    this.ws.close();
  }
}

/** Profiles every listed isolate (by /json id) while `run` runs; sampling every `intervalUs`. */
export async function profileIsolates(port: number, ids: string[], run: () => Promise<void>, intervalUs = 200): Promise<Map<string, CpuProfile>> {
  const listed = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { id: string; webSocketDebuggerUrl: string }[];
  const targets = new Map<string, Target>();
  try {
    for (const id of ids) {
      const t = listed.find((x) => x.id === id);
      if (!t) continue;
      const target = await Target.open(t.webSocketDebuggerUrl);
      targets.set(id, target);
      await target.call("Profiler.enable");
      await target.call("Profiler.setSamplingInterval", { interval: intervalUs });
      await target.call("Profiler.start");
    }
    await run();
    const out = new Map<string, CpuProfile>();
    for (const [id, target] of targets) out.set(id, (await target.call<{ profile: CpuProfile }>("Profiler.stop")).profile);
    return out;
  } finally {
    for (const t of targets.values()) t.close();
  }
}

/** Self time (ms) per category; `classify` names the category of a frame (undefined: its caller's). */
export function selfTimeBy(
  profile: CpuProfile,
  classify: (frame: CpuProfile["nodes"][number]["callFrame"]) => string | undefined,
): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const category = new Map<number, string>();
  const categoryOf = (id: number): string => {
    const known = category.get(id);
    if (known) return known;
    const own = classify(byId.get(id)!.callFrame);
    const p = parent.get(id);
    const c = own ?? (p === undefined ? "other" : categoryOf(p));
    category.set(id, c);
    return c;
  };
  const out = new Map<string, number>();
  for (const [i, id] of profile.samples.entries()) out.set(categoryOf(id), (out.get(categoryOf(id)) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  return out;
}

/**
 * V8 heap in use by the Worker's isolate (and its Durable Object's: "core:user:") after a full
 * garbage collection: what our code keeps, unlike the process RSS, which workerd, SQLite and the
 * allocator grow and return lazily. workerd does not implement HeapProfiler.collectGarbage; a heap
 * snapshot collects first (its chunks arrive as events, which are ignored here).
 */
export async function workerHeapAfterGc(port: number): Promise<number> {
  const listed = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { id: string; webSocketDebuggerUrl: string }[];
  const worker = listed.find((t) => t.id === "core:user:");
  if (!worker) throw new Error("inspector: no core:user: isolate listed");
  const target = await Target.open(worker.webSocketDebuggerUrl);
  try {
    await target.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    return (await target.call<{ usedSize: number }>("Runtime.getHeapUsage")).usedSize;
  } finally {
    target.close();
  }
}
