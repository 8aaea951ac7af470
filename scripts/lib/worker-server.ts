// Serve the built Worker bundle on loopback with the Miniflare 5 Node API, so that real SCEP
// clients (micromdm scepclient, certmonger scep-submit) and the benchmark can talk to it over HTTP.
// No vitest imports: the benchmark and the interop tests share it (run it with `npx tsx`, Node 22).
//
// Usage:
//   await buildWorker();                       // once; `wrangler deploy --dry-run --outdir dist`
//   const w = await startWorker({ bindings: { CA_CERT, CA_KEY, SCEP_CHALLENGE: "s3cr3t" } });
//   ... clients talk to w.url (http://127.0.0.1:PORT/scep) ...
//   await w.stop();
//
// As a vitest globalSetup file this module's `setup()` builds once and exports the bundle path
// through SCEP_WORKER_SCRIPT, so test files (forked after globalSetup) skip the build.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { compatibilityDate, rateLimitBindings, REPO_ROOT, wranglerVars } from "./wrangler-config";

export { REPO_ROOT, wranglerVars } from "./wrangler-config";
export const DEFAULT_OUTDIR = "dist";
/** wrangler.toml's, read once. */
export const COMPATIBILITY_DATE = compatibilityDate();
/** Set by setup() (or by you) to a prebuilt bundle; startWorker() then skips the build. */
export const SCRIPT_ENV = "SCEP_WORKER_SCRIPT";

export interface BuildOptions {
  /** Output directory, relative to the repo root unless absolute. Default "dist". */
  outdir?: string;
  /** Rebuild even if this process already built into outdir. */
  force?: boolean;
  timeoutMs?: number;
}

export interface StartOptions {
  /** Vars and secrets (CA_CERT, CA_KEY, SCEP_CHALLENGE, ALLOW_LEGACY_DES, ...). They are laid over
   *  the [vars] of wrangler.toml (CHALLENGE_MODE, CERT_VALIDITY_DAYS). */
  bindings: Record<string, string>;
  /** Fixed port; omitted or 0 = an ephemeral port chosen by the OS. */
  port?: number;
  /** Bundle to serve (relative = to the repo root); default: $SCEP_WORKER_SCRIPT, else build into dist/ first. */
  scriptPath?: string;
  /** Keep KV and Durable Object storage under this directory, so a restarted Worker sees it. */
  persistPath?: string;
  /** Receives every line workerd logs (the Worker's console output) instead of the console. */
  onLog?: (level: string, message: string) => void;
  /** Limits of the [[ratelimits]] bindings by name, over wrangler.toml's; 0 leaves the binding out. */
  rateLimits?: Record<string, number>;
  /** workerd's V8 inspector on 127.0.0.1:port (/json lists one target per isolate): for CPU profiles. */
  inspectorPort?: number;
}

export interface RunningWorker {
  /** http://127.0.0.1:PORT/scep */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  mf: Miniflare;
  stop(): Promise<void>;
}

const builds = new Map<string, Promise<string>>();

/** Build the Worker with wrangler (about 2 s) and return the absolute path of index.js.
 *  Memoised per process and outdir, so concurrent callers share one build. */
export function buildWorker(opts: BuildOptions = {}): Promise<string> {
  const outdir = resolveFromRoot(opts.outdir ?? DEFAULT_OUTDIR);
  const existing = builds.get(outdir);
  if (existing && !opts.force) return existing;
  const p = runWranglerBuild(outdir, opts.timeoutMs ?? 120_000);
  builds.set(outdir, p);
  p.catch(() => builds.delete(outdir));
  return p;
}

function runWranglerBuild(outdir: string, timeoutMs: number): Promise<string> {
  // `npx` puts node_modules/.bin first on PATH, so wrangler runs on the Node 22 from the `node`
  // devDependency (wrangler 4.164 refuses Node 20, the system Node).
  const args = ["--no-install", "wrangler", "deploy", "--dry-run", "--outdir", outdir];
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
  return new Promise((resolvePath, reject) => {
    execFile("npx", args, { cwd: REPO_ROOT, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const script = resolve(outdir, "index.js");
      if (err || !existsSync(script)) {
        const why = err ? err.message : `no ${script}`;
        reject(new Error(`wrangler build failed (npx ${args.join(" ")}): ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
        return;
      }
      resolvePath(script);
    });
  });
}

/** Start Miniflare on 127.0.0.1 serving the bundle with the production bindings layout:
 *  KV `CACHE`, SQLite Durable Object `LEDGER` (class Ledger). Storage is in memory. */
export async function startWorker(opts: StartOptions): Promise<RunningWorker> {
  const scriptPath = resolveFromRoot(opts.scriptPath ?? process.env[SCRIPT_ENV] ?? (await buildWorker()));
  const bindings = { ...wranglerVars(), ...opts.bindings };
  const mf = new Miniflare({
    ...convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: opts.port ?? 0,
      ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
      scriptPath,
      modules: true,
      // Module names are paths relative to modulesRoot (default: the cwd); workerd refuses "..",
      // so anchor it at the bundle's directory for callers running elsewhere (scripts).
      modulesRoot: dirname(scriptPath),
      compatibilityDate: COMPATIBILITY_DATE,
      // The bundle keeps `node:*` imports external. nodejs_compat is on by default from
      // 2026-08-04, so the flag is redundant at this date (and tolerated); it keeps the bundle
      // loadable if the date is ever moved back (verified: without it, 2026-07-01 fails to load).
      compatibilityFlags: ["nodejs_compat"],
      kvNamespaces: { CACHE: "cache" },
      durableObjects: { LEDGER: { className: "Ledger", useSQLite: true } },
      bindings,
      ratelimits: rateLimitBindings(opts.rateLimits),
    }),
    ...(opts.persistPath ? { resourcePersistencePath: opts.persistPath } : {}),
    ...(opts.onLog ? { handleStructuredLogs: ({ level, message }: { level: string; message: string }) => opts.onLog!(level, message) } : {}),
  } as ConstructorParameters<typeof Miniflare>[0]);
  let origin: string;
  try {
    const ready = await mf.ready;
    origin = new URL(ready).origin;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw e;
  }
  const port = Number(new URL(origin).port);
  let stopped: Promise<void> | undefined;
  return {
    url: `${origin}/scep`,
    origin,
    port,
    mf,
    stop: () => (stopped ??= mf.dispose()),
  };
}

function resolveFromRoot(p: string): string {
  return isAbsolute(p) ? p : resolve(REPO_ROOT, p);
}

/** vitest globalSetup entry: build once for all interop test files. */
export async function setup(): Promise<void> {
  if (process.env[SCRIPT_ENV] && existsSync(process.env[SCRIPT_ENV]!)) return;
  process.env[SCRIPT_ENV] = await buildWorker();
}
