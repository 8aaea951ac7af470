// One-time challenges (RFC 8894 §7.3: high-entropy, single use, short-lived, stored hashed).
import type { ChallengeRefusal } from "./types";

export function mintChallenge(sql: SqlStorage, sha256: string, subject: string | undefined, expiresAt: number, now: number): void {
  sql.exec(
    "INSERT INTO one_time_challenges (challenge_sha256, subject, expires_at, created_at) VALUES (?, ?, ?, ?)",
    sha256, subject ?? null, expiresAt, now,
  );
}

/** Checks and consumes a challenge; call inside the transaction that records the request. */
export function consumeChallenge(
  sql: SqlStorage,
  sha256: string,
  subject: string,
  transactionId: string,
  now: number,
): ChallengeRefusal | undefined {
  const row = sql
    .exec<{ subject: string | null; expires_at: number; used_at: number | null }>(
      "SELECT subject, expires_at, used_at FROM one_time_challenges WHERE challenge_sha256 = ?",
      sha256,
    )
    .toArray()[0];
  if (!row) return "unknown";
  if (row.used_at !== null) return "used";
  if (row.expires_at <= now) return "expired";
  if (row.subject !== null && row.subject !== subject) return "subject-mismatch";
  sql.exec("UPDATE one_time_challenges SET used_at = ?, used_by = ? WHERE challenge_sha256 = ?", now, transactionId, sha256);
  return undefined;
}

export function outstandingChallenges(sql: SqlStorage, now: number): number {
  return sql
    .exec<{ n: number }>("SELECT COUNT(*) AS n FROM one_time_challenges WHERE used_at IS NULL AND expires_at > ?", now)
    .one().n;
}
