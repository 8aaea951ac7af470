// What the enrollment pipeline needs from the outside world, as interfaces: the Worker wires in
// the Durable Object and the runtime's clock and randomness; tests can wire in anything.
import type { IssuanceRecord, RecordOutcome, StoredCertificate } from "../ledger/types";

export interface LedgerPort {
  recordIssuance(record: IssuanceRecord): Promise<RecordOutcome>;
  findByTransaction(transactionId: string): Promise<StoredCertificate[]>;
  getBySerial(serial: string): Promise<StoredCertificate | undefined>;
}

export interface Runtime {
  now(): Date;
  randomBytes(n: number): Uint8Array;
  log(event: string, fields: Record<string, unknown>): void;
}
