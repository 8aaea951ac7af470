// A CA's current CRL: served from its ledger's cached copy, rebuilt (and re-signed in the Worker)
// only when a revocation changed the list or half of the validity window has passed. Each CA of
// the set (current or retired) signs its own CRL. A CRL that cannot be built never becomes a 500:
// the last good one is served and the failure logged.
import type { IssuingCa } from "../ca/ca-set";
import { buildCrl } from "../x509/crl";
import type { CrlLedgerPort, Runtime } from "./ports";

export interface CurrentCrl {
  der: Uint8Array;
  number: number;
  thisUpdate: number;
  nextUpdate: number;
}

/** No CRL can be served: none was ever built and building one failed. */
export class CrlUnavailableError extends Error {
  constructor(readonly caKeyId: string) {
    super(`no CRL available for CA ${caKeyId}`);
    this.name = "CrlUnavailableError";
  }
}

export async function currentCrl(ca: IssuingCa, validitySeconds: number, ledger: CrlLedgerPort, runtime: Runtime): Promise<CurrentCrl> {
  const now = runtime.now().getTime();
  const snapshot = await ledger.crlSnapshot();
  const cached = snapshot.cached;
  const caSha256 = ca.material.fingerprintSha256Hex;
  // A re-issued CA certificate (same key, so the same ledger) signs a fresh CRL under its own name.
  const fresh =
    cached &&
    cached.revision === snapshot.revision &&
    cached.caSha256 === caSha256 &&
    now < cached.thisUpdate + (cached.nextUpdate - cached.thisUpdate) / 2;
  if (cached && fresh) return cached;
  try {
    const prepared = await ledger.prepareCrl(now);
    const thisUpdate = now;
    const nextUpdate = now + validitySeconds * 1000;
    const der = buildCrl({
      issuerDer: ca.material.caSubjectDer,
      authorityKeyId: ca.material.caSubjectKeyId,
      signer: ca.material.caKey,
      number: prepared.number,
      thisUpdate: new Date(thisUpdate),
      nextUpdate: new Date(nextUpdate),
      entries: prepared.entries.map((e) => ({ serialHex: e.serial, revokedAt: new Date(e.revokedAt), reason: e.reason })),
    });
    await ledger.storeCrl(der, prepared.number, prepared.revision, thisUpdate, nextUpdate, caSha256);
    runtime.log("crl-built", { ca: ca.keyId, number: prepared.number, entries: prepared.entries.length });
    return { der, number: prepared.number, thisUpdate, nextUpdate };
  } catch (e) {
    runtime.log("crl-build-failed", { ca: ca.keyId, error: e instanceof Error ? e.name : "error", lastGood: cached?.number ?? null });
    if (cached) return cached;
    throw new CrlUnavailableError(ca.keyId);
  }
}
