// The ledger over Durable Object RPC. One ledger per CA (Config.ledgerName): see
// docs/storage-schema.md for the shard scheme and the measured throughput.
import type { Ledger } from "./ledger";

export type LedgerStub = DurableObjectStub<Ledger>;

export function ledgerFor(namespace: DurableObjectNamespace<Ledger>, name: string): LedgerStub {
  return namespace.getByName(name);
}
