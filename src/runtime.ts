// The Worker's clock, randomness and structured logs (one JSON line per event, Workers Logs).
import { randomBytes } from "node:crypto";
import type { Runtime } from "./enroll/ports";

export const workerRuntime: Runtime = {
  now: () => new Date(),
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
  log: (event, fields) => console.log(JSON.stringify({ event, ...fields })),
};
