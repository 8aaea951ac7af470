// Wires an IntuneClient to the Microsoft fake, a MemoryKv and a test clock. One `memory` per
// simulated isolate; share `kv` to simulate several isolates of one deployment.
import { IntuneClient } from "../../../src/intune/client";
import { parseIntuneConfig, type IntuneConfig } from "../../../src/intune/config";
import { IntuneMemory, type FetchLike, type KvLike } from "../../../src/intune/types";
import {
  createMicrosoftFake,
  FAKE_CLIENT_ID,
  FAKE_CLIENT_SECRET,
  FAKE_ORIGINS,
  FAKE_TENANT_ID,
  type MicrosoftFake,
  type MicrosoftFakeOptions,
} from "../../fakes/microsoft/fake";
import { MemoryKv, TestClock } from "./memory-kv";

/** The fake's in-process origins: Entra, Graph and the Intune services each on their own. */
export const AUTHORITY = FAKE_ORIGINS.authority;
export const GRAPH = FAKE_ORIGINS.graph;
export const INTUNE = FAKE_ORIGINS.intune;

export function testConfig(overrides: Record<string, string | undefined> = {}): IntuneConfig {
  return parseIntuneConfig({
    INTUNE_TENANT_ID: FAKE_TENANT_ID,
    INTUNE_CLIENT_ID: FAKE_CLIENT_ID,
    INTUNE_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    ENTRA_AUTHORITY_URL: AUTHORITY,
    GRAPH_BASE_URL: GRAPH,
    INTUNE_DISCOVERY_TTL_SECONDS: "3600",
    ...overrides,
  });
}

export interface Harness {
  fake: MicrosoftFake;
  clock: TestClock;
  kv: MemoryKv;
  logs: { event: string; fields: Record<string, unknown> }[];
  /** A client in a new simulated isolate (own memory), sharing KV, fake and clock. */
  isolate(opts?: { config?: IntuneConfig; fetch?: FetchLike; kv?: KvLike; timeoutMs?: number }): IntuneClient;
}

export function harness(fakeOptions: MicrosoftFakeOptions = {}): Harness {
  const clock = new TestClock();
  const fake = createMicrosoftFake({ now: clock.now, ...fakeOptions });
  const kv = new MemoryKv(clock.now);
  const logs: Harness["logs"] = [];
  return {
    fake,
    clock,
    kv,
    logs,
    isolate: (opts = {}) =>
      new IntuneClient(opts.config ?? testConfig(), {
        fetch: opts.fetch ?? fake.fetch,
        kv: opts.kv ?? kv,
        now: clock.now,
        log: (event, fields) => logs.push({ event, fields }),
        memory: new IntuneMemory(),
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      }),
  };
}
