// The ledger over Durable Object RPC. One ledger per CA (Config.ledgerName): see
// docs/storage-schema.md for the shard scheme and the measured throughput.
import type { Ledger } from "./ledger";

export type LedgerStub = DurableObjectStub<Ledger>;

/**
 * Object ids by name, per namespace, for the isolate's life: an id is a plain value (a stub is
 * bound to the request that made it, an id is not), and deriving it hashes the name each time.
 * The names are the CA key ids of the configured CAs, so this stays a handful of entries.
 */
const ids = new WeakMap<DurableObjectNamespace<Ledger>, Map<string, DurableObjectId>>();

export function ledgerFor(namespace: DurableObjectNamespace<Ledger>, name: string): LedgerStub {
  let byName = ids.get(namespace);
  if (!byName) {
    byName = new Map();
    ids.set(namespace, byName);
  }
  let id = byName.get(name);
  if (!id) {
    id = namespace.idFromName(name);
    byName.set(name, id);
  }
  return namespace.get(id);
}
