// One-time challenges (RFC 8894 §7.3: high-entropy, single use, short-lived, stored hashed).
import type { ChallengeRefusal } from "./types";

/** `sans`: the canonical SAN texts the challenge authorises, joined by ", " ('' = none). */
export function mintChallenge(sql: SqlStorage, sha256: string, subject: string | undefined, sans: string, expiresAt: number, now: number): void {
  sql.exec(
    "INSERT INTO one_time_challenges (challenge_sha256, subject, sans, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
    sha256,
    subject ?? null,
    sans,
    expiresAt,
    now,
  );
}

/**
 * Checks and consumes a challenge; call inside the transaction that records the request. A
 * challenge authorises one subject (when bound) and exactly the SANs listed at minting (design rule 7).
 */
export function consumeChallenge(
  sql: SqlStorage,
  sha256: string,
  subject: string,
  sans: string,
  transactionId: string,
  now: number,
): ChallengeRefusal | undefined {
  const row = sql
    .exec<{ subject: string | null; sans: string; expires_at: number; used_at: number | null }>(
      "SELECT subject, sans, expires_at, used_at FROM one_time_challenges WHERE challenge_sha256 = ?",
      sha256,
    )
    .toArray()[0];
  if (!row) return "unknown";
  if (row.used_at !== null) return "used";
  if (row.expires_at <= now) return "expired";
  if (row.subject !== null && row.subject !== subject) return "subject-mismatch";
  if (row.sans !== sans) return "san-mismatch";
  sql.exec("UPDATE one_time_challenges SET used_at = ?, used_by = ? WHERE challenge_sha256 = ?", now, transactionId, sha256);
  return undefined;
}

export function outstandingChallenges(sql: SqlStorage, now: number): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM one_time_challenges WHERE used_at IS NULL AND expires_at > ?", now).one().n;
}
