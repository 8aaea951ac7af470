// What GET /admin/stats adds for operators beyond the ledger's counts: how close the CA, its chain
// and the RA are to expiry (with a warning from 30 days out, loud once expired; the Intune
// credential's warning joins them), and the current
// CA's activity (issued per UTC day over 90 days, by challenge kind, the last CRL, the last Intune
// outcome). The console's overview is drawn from exactly this answer.
import { expiryOf } from "../ca/expiry";
import type { Config } from "../config";
import type { LedgerStub } from "../ledger/client";

const ACTIVITY_DAYS = 90;

/** `otherWarnings`: warnings of the stats' other parts, e.g. the Intune credential's expiry, listed with the CA's. */
export async function operationalStats(config: Config, ledger: LedgerStub, now: number, otherWarnings: (string | undefined)[] = []) {
  const expiry = expiryOf(config.ca, now);
  const current = expiry[0]!;
  return {
    caExpired: current.state === "expired",
    expiry,
    warnings: [...expiry.flatMap((s) => (s.warning ? [s.warning] : [])), ...otherWarnings.filter((w): w is string => w !== undefined)],
    activity: await ledger.activity(now, ACTIVITY_DAYS),
  };
}
