// Wires the Intune revocation sync (src/intune/revocation-sync.ts) to this deployment: every CA of
// the set with its ledger and the issuer name it reported to Intune, the Intune client, the clock.
// Run by the Cron Trigger (src/index.ts scheduled) and by an admin (POST /admin/intune/sync).
import type { IssuingCa } from "../ca/ca-set";
import type { Config } from "../config";
import { credentialStatus, runRevocationSync, type RevocationSyncDeps, type SyncSummary } from "../intune";
import { nameDerToText } from "../x509/name";
import type { IntuneSyncLedgerPort, Runtime } from "./ports";

export async function runIntuneSync(
  config: Config,
  ledgerOf: (ca: IssuingCa) => IntuneSyncLedgerPort,
  intune: RevocationSyncDeps["client"],
  runtime: Runtime,
  trigger: "cron" | "admin",
): Promise<SyncSummary> {
  if (!config.intune) throw new Error("runIntuneSync without Intune settings");
  // Once an hour in the logs as well as in the admin stats: an expiring credential.
  const credential = credentialStatus(config.intune.credential, runtime.now().getTime());
  if (credential.warning) runtime.log("intune.credential.expiring", { ...credential });
  return runRevocationSync(
    {
      client: intune,
      // The CA subject as text is what successNotification reported as issuingCertificateAuthority.
      cas: config.cas.all.map((ca) => ({ keyId: ca.keyId, issuerName: nameDerToText(ca.material.caSubjectDer), ledger: ledgerOf(ca) })),
      state: ledgerOf(config.cas.current),
      batchSize: config.intune.revocation.batchSize,
      now: () => runtime.now().getTime(),
      randomUUID: () => crypto.randomUUID(),
      log: runtime.log,
    },
    trigger,
  );
}

/** What GET /admin/stats shows of the Intune link: the cloud, the credential's expiry, the last sync. Never the credential itself. */
export async function intuneStatus(config: Config, ledger: Pick<IntuneSyncLedgerPort, "intuneSyncState">, now: number) {
  const intune = config.intune;
  if (!intune) return undefined;
  const state = await ledger.intuneSyncState();
  return {
    cloud: intune.cloud,
    credential: credentialStatus(intune.credential, now),
    revocationSync: {
      enabled: intune.revocation.enabled,
      batchSize: intune.revocation.batchSize,
      // Results Intune has not accepted yet in the current CA's ledger; they go with the next run.
      unsentResults: state?.unsent ?? 0,
      running: state ? state.finishedAt === undefined && state.startedAt > 0 : false,
      ...(state?.summaryJson ? { lastRun: JSON.parse(state.summaryJson) as unknown } : {}),
    },
  };
}
