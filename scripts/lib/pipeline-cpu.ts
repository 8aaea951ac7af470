// The two in-process figures of the benchmark, measured in alternating batches so that both see
// the same load on a shared machine: the floor (three RSA-2048 private-key operations, what any
// enrollment costs: unwrap the request key, sign the certificate, sign the CertRep) and the
// enrollment pipeline alone (handlePkiOperation in this process: no HTTP, the ledger stubbed).
// CPU time (process.cpuUsage), per batch; the minimum of the batches is the least disturbed.
import { sign } from "node:crypto";
import { ConfigError, loadConfig } from "../../src/config";
import { handlePkiOperation } from "../../src/enroll/pki-operation";
import type { BuiltRequest } from "../../src/client/enrollment";
import { nodeCpuMs } from "./proc-cpu";

export interface PipelineFigures {
  /** Three RSA-2048 private-key operations (node:crypto sign, SHA-256), ms CPU. */
  floor: { min: number; median: number };
  /** One enrollment through handlePkiOperation, ms CPU. */
  pipeline: { min: number; median: number };
  /** Pipeline / floor per batch pair. */
  ratio: { min: number; median: number; max: number };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

/**
 * `messages` are fresh PKCSReq messages for this CA with `challenge`; the first 20 warm the JIT.
 * Batches of `batch` enrollments alternate with batches of `batch` x 3 signatures.
 */
export async function pipelineFigures(
  ca: { certPem: string; keyPem: string },
  challenge: string,
  messages: BuiltRequest[],
  batch = 25,
): Promise<PipelineFigures> {
  const config = loadConfig({ CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: challenge } as never);
  if (config instanceof ConfigError) throw config;
  const ledger = { recordIssuance: async () => ({ kind: "recorded" as const }) } as never;
  const deps = {
    ledger,
    ledgerOf: () => ledger,
    runtime: { now: () => new Date(), randomBytes: (n: number) => crypto.getRandomValues(new Uint8Array(n)), log: () => {} },
  };
  const key = config.ca.caKey.key;
  const data = crypto.getRandomValues(new Uint8Array(600));
  for (const m of messages.slice(0, 20)) await handlePkiOperation(m.der, config, deps);
  for (let i = 0; i < 60; i++) sign("sha256", data, key);
  const floors: number[] = [];
  const pipes: number[] = [];
  const ratios: number[] = [];
  for (let at = 20; at + batch <= messages.length; at += batch) {
    let c0 = nodeCpuMs();
    for (let i = 0; i < 3 * batch; i++) sign("sha256", data, key);
    const floor = (nodeCpuMs() - c0) / batch;
    c0 = nodeCpuMs();
    for (const m of messages.slice(at, at + batch)) await handlePkiOperation(m.der, config, deps);
    const pipe = (nodeCpuMs() - c0) / batch;
    floors.push(floor);
    pipes.push(pipe);
    ratios.push(pipe / floor);
  }
  return {
    floor: { min: Math.min(...floors), median: median(floors) },
    pipeline: { min: Math.min(...pipes), median: median(pipes) },
    ratio: { min: Math.min(...ratios), median: median(ratios), max: Math.max(...ratios) },
  };
}
