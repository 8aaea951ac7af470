// The current CRL: served from the ledger's cached copy, rebuilt (and re-signed in the Worker)
// only when a revocation changed the list or half of the validity window has passed.
import { buildCrl } from "../ca/crl";
import type { Config } from "../config";
import type { CrlSnapshot, RevokedEntry } from "../ledger/types";
import type { Runtime } from "../enroll/ports";

export interface CrlLedgerPort {
  crlSnapshot(): Promise<CrlSnapshot>;
  prepareCrl(now: number): Promise<{ number: number; revision: number; entries: RevokedEntry[] }>;
  storeCrl(der: Uint8Array, number: number, revision: number, thisUpdate: number, nextUpdate: number): Promise<void>;
}

export interface CurrentCrl {
  der: Uint8Array;
  number: number;
  thisUpdate: number;
  nextUpdate: number;
}

export async function currentCrl(config: Config, ledger: CrlLedgerPort, runtime: Runtime): Promise<CurrentCrl> {
  const now = runtime.now().getTime();
  const snapshot = await ledger.crlSnapshot();
  const cached = snapshot.cached;
  if (cached && cached.revision === snapshot.revision && now < cached.thisUpdate + (cached.nextUpdate - cached.thisUpdate) / 2) {
    return cached;
  }
  const prepared = await ledger.prepareCrl(now);
  const thisUpdate = now;
  const nextUpdate = now + config.crlValiditySeconds * 1000;
  const der = buildCrl({
    ca: config.ca,
    number: prepared.number,
    thisUpdate: new Date(thisUpdate),
    nextUpdate: new Date(nextUpdate),
    entries: prepared.entries.map((e) => ({ serialHex: e.serial, revokedAt: new Date(e.revokedAt), reason: e.reason })),
  });
  await ledger.storeCrl(der, prepared.number, prepared.revision, thisUpdate, nextUpdate);
  runtime.log("crl-built", { number: prepared.number, entries: prepared.entries.length });
  return { der, number: prepared.number, thisUpdate, nextUpdate };
}
