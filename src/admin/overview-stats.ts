// What GET /admin/stats adds for operators beyond the ledger's counts: how close the CA, its chain
// and the RA are to expiry (with a warning from 30 days out, loud once expired), and the current
// CA's activity (issued per UTC day over 90 days, by challenge kind, the last CRL, the last Intune
// outcome). The console's overview is drawn from exactly this answer.
import { expiryOf } from "../ca/expiry";
import type { Config } from "../config";
import type { LedgerStub } from "../ledger/client";

const ACTIVITY_DAYS = 90;

export async function operationalStats(config: Config, ledger: LedgerStub, now: number) {
  const expiry = expiryOf(config.ca, now);
  const current = expiry[0]!;
  return {
    caExpired: current.state === "expired",
    expiry,
    warnings: expiry.flatMap((s) => (s.warning ? [s.warning] : [])),
    activity: await ledger.activity(now, ACTIVITY_DAYS),
  };
}
