// CRL bookkeeping: a monotonic CRL number, a revision bumped by each revocation, and the last
// signed CRL, so serving /crl is one row read until something changes.
import type { CrlSnapshot, RevokedEntry } from "./types";

interface CrlStateRow extends Record<string, SqlStorageValue> {
  last_number: number;
  revision: number;
  cached_der: ArrayBuffer | null;
  cached_number: number | null;
  cached_revision: number | null;
  this_update: number | null;
  next_update: number | null;
  cached_ca: string | null;
}

export function crlSnapshot(sql: SqlStorage): CrlSnapshot {
  const row = sql.exec<CrlStateRow>("SELECT * FROM crl_state WHERE id = 1").one();
  return {
    revision: row.revision,
    cached:
      row.cached_der && row.cached_number !== null && row.cached_revision !== null && row.this_update !== null && row.next_update !== null
        ? {
            der: new Uint8Array(row.cached_der),
            number: row.cached_number,
            revision: row.cached_revision,
            thisUpdate: row.this_update,
            nextUpdate: row.next_update,
            caSha256: row.cached_ca ?? "",
          }
        : undefined,
  };
}

/** Revoked certificates not yet expired (RFC 5280 §5: expired entries may leave the CRL). */
export function revokedEntries(sql: SqlStorage, now: number): RevokedEntry[] {
  return (
    sql
      .exec<{ serial: string; revoked_at: number; revocation_reason: number }>(
        "SELECT serial, revoked_at, revocation_reason FROM certificates WHERE status = 'revoked' AND not_after > ? ORDER BY serial",
        now,
      )
      .toArray()
      // Reasons are checked on the way in (revokeCertificate); a row from before that check still builds.
      .map((r) => ({ serial: r.serial, revokedAt: r.revoked_at, reason: Number.isInteger(r.revocation_reason) ? r.revocation_reason : 0 }))
  );
}

/** Hands out the next CRL number (RFC 5280 §5.2.3: monotonically increasing). */
export function allocateCrlNumber(sql: SqlStorage): number {
  sql.exec("UPDATE crl_state SET last_number = last_number + 1 WHERE id = 1");
  return sql.exec<{ n: number }>("SELECT last_number AS n FROM crl_state WHERE id = 1").one().n;
}

/** Keeps the newest CRL only: a slower concurrent builder cannot replace a higher number. */
export function storeCrl(
  sql: SqlStorage,
  der: Uint8Array,
  number: number,
  revision: number,
  thisUpdate: number,
  nextUpdate: number,
  caSha256: string,
): void {
  sql.exec(
    `UPDATE crl_state SET cached_der = ?, cached_number = ?, cached_revision = ?, this_update = ?, next_update = ?, cached_ca = ?
     WHERE id = 1 AND (cached_number IS NULL OR cached_number < ?)`,
    der,
    number,
    revision,
    thisUpdate,
    nextUpdate,
    caSha256,
    number,
  );
}
