// The Worker's clock, randomness and structured logs (one JSON line per event, Workers Logs).
import { randomBytes } from "node:crypto";
import type { Runtime } from "./enroll/ports";
import type { Env } from "./env";
import { IntuneClient, type IntuneConfig } from "./intune";

export const workerRuntime: Runtime = {
  now: () => new Date(),
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
  log: (event, fields) => console.log(JSON.stringify({ event, ...fields })),
};

/** An Intune client per request; tokens and discovery are shared per isolate (IntuneMemory) and in KV. */
export function intuneClient(config: IntuneConfig, env: Env): IntuneClient {
  return new IntuneClient(config, { kv: env.CACHE, log: workerRuntime.log });
}
