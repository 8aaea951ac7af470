// What the admin overview shows of one ledger beyond the counts of stats(): certificates issued per
// UTC day, counts by challenge kind and status, expiries, the last CRL and the last Intune outcome.
// Read-only queries over the existing tables (no migration): issuance per day uses the
// certificates_by_created index; the by-kind counts scan certificates, which is fine for an admin
// page that is asked for by hand.
import type { LedgerActivity } from "./types";

const DAY_MS = 86_400_000;
/** How far ahead a valid certificate counts as expiring soon (the same 30 days as the CA warning). */
const SOON_MS = 30 * DAY_MS;

export function activity(sql: SqlStorage, now: number, days: number): LedgerActivity {
  const firstDay = Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
  const issuedPerDay: number[] = new Array<number>(days).fill(0);
  for (const row of sql.exec<{ d: number; n: number }>(
    // Workers bind JS numbers as REAL: the day index is cast back to an integer.
    "SELECT CAST((created_at - ?) / 86400000 AS INTEGER) AS d, COUNT(*) AS n FROM certificates WHERE created_at >= ? GROUP BY d",
    firstDay,
    firstDay,
  )) {
    if (row.d >= 0 && row.d < days) issuedPerDay[row.d] = row.n;
  }
  const byChallengeKind: Record<string, { valid: number; revoked: number }> = {};
  for (const row of sql.exec<{ kind: string; status: string; n: number }>(
    "SELECT challenge_kind AS kind, status, COUNT(*) AS n FROM certificates GROUP BY challenge_kind, status",
  )) {
    const entry = byChallengeKind[row.kind] ?? { valid: 0, revoked: 0 };
    byChallengeKind[row.kind] = entry;
    if (row.status === "valid" || row.status === "revoked") entry[row.status] = row.n;
  }
  const expiry = sql
    .exec<{ expired: number; soon: number }>(
      `SELECT COALESCE(SUM(not_after <= ?), 0) AS expired, COALESCE(SUM(not_after > ? AND not_after <= ?), 0) AS soon
       FROM certificates WHERE status = 'valid'`,
      now,
      now,
      now + SOON_MS,
    )
    .one();
  return {
    firstDay: new Date(firstDay).toISOString().slice(0, 10),
    issuedPerDay,
    byChallengeKind,
    validExpired: expiry.expired,
    validExpiringIn30Days: expiry.soon,
    crl: lastCrl(sql),
    lastIntune: lastIntune(sql),
  };
}

function lastCrl(sql: SqlStorage): LedgerActivity["crl"] {
  const row = sql
    .exec<{ n: number | null; t: number | null; u: number | null; rev: number; cached: number | null }>(
      "SELECT cached_number AS n, this_update AS t, next_update AS u, revision AS rev, cached_revision AS cached FROM crl_state WHERE id = 1",
    )
    .one();
  if (row.n === null || row.t === null || row.u === null) return undefined;
  // A revocation since the last build: the next /crl request re-signs it.
  return { number: row.n, thisUpdate: row.t, nextUpdate: row.u, revocationsSince: row.cached === null ? 0 : row.rev - row.cached };
}

/** The newest request Intune validated (the transactions table keeps its state and refusal note). */
function lastIntune(sql: SqlStorage): LedgerActivity["lastIntune"] {
  const row = sql
    .exec<{ state: string; note: string | null; at: number }>(
      "SELECT state, note, updated_at AS at FROM transactions WHERE challenge_kind = 'intune' ORDER BY updated_at DESC LIMIT 1",
    )
    .toArray()[0];
  return row ? { state: row.state, at: row.at, ...(row.note ? { note: row.note } : {}) } : undefined;
}
