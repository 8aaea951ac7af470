// The ledger over Durable Object RPC. One ledger per CA (Config.ledgerName): see
// docs/storage-schema.md for the shard scheme and the measured throughput.
import type { Env } from "../env";
import type { Ledger } from "./ledger";

export type LedgerStub = DurableObjectStub<Ledger>;

export function ledgerFor(env: Env, name: string): LedgerStub {
  return env.LEDGER.getByName(name);
}
