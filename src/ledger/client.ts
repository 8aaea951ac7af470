// The ledger port over Durable Object RPC. One ledger per CA (Config.ledgerName).
import type { Env } from "../env";
import type { LedgerPort } from "../enroll/ports";

export function ledgerFor(env: Env, name: string): LedgerPort {
  const stub = env.LEDGER.getByName(name);
  return {
    recordIssuance: (record) => stub.recordIssuance(record),
    findByTransaction: (transactionId) => stub.findByTransaction(transactionId),
    getBySerial: (serial) => stub.getBySerial(serial),
  };
}
