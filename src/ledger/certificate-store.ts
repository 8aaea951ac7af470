// Certificate queries for GetCert and the admin API, revocation, and delivery marks.
import { REVOCATION_REASON_CODES, type CertificateFilter, type CertificateView, type LedgerStats } from "./types";
import { outstandingChallenges } from "./challenge-store";

interface CertificateRow extends Record<string, SqlStorageValue> {
  serial: string;
  transaction_id: string;
  subject: string;
  sans: string;
  not_before: number;
  not_after: number;
  sha1: string;
  sha256: string;
  status: string;
  revoked_at: number | null;
  revocation_reason: number | null;
  delivered: number;
  created_at: number;
  profile: string;
  challenge_kind: string;
  lineage: string;
  renewed_from: string | null;
}

const COLUMNS =
  "serial, transaction_id, subject, sans, not_before, not_after, sha1, sha256, status, revoked_at, revocation_reason, delivered, created_at, profile, challenge_kind, lineage, renewed_from";

const MAX_PAGE = 200;

export function certificateDerBySerial(sql: SqlStorage, serial: string): { der: Uint8Array; status: string; delivered: boolean } | undefined {
  const row = sql
    .exec<{ der: ArrayBuffer; status: string; delivered: number }>("SELECT der, status, delivered FROM certificates WHERE serial = ?", serial)
    .toArray()[0];
  return row ? { der: new Uint8Array(row.der), status: row.status, delivered: row.delivered === 1 } : undefined;
}

export function certificateBySerial(sql: SqlStorage, serial: string): CertificateView | undefined {
  const row = sql.exec<CertificateRow>(`SELECT ${COLUMNS} FROM certificates WHERE serial = ?`, serial).toArray()[0];
  return row ? toView(row) : undefined;
}

/** Newest first, keyset-paginated on (created_at, serial) so pages stay stable under inserts. */
export function listCertificates(sql: SqlStorage, filter: CertificateFilter): { items: CertificateView[]; cursor?: string } {
  const where: string[] = [];
  const args: SqlStorageValue[] = [];
  if (filter.subject) {
    where.push("subject LIKE ? ESCAPE '\\'");
    args.push(likePattern(filter.subject));
  }
  if (filter.san) {
    where.push("sans LIKE ? ESCAPE '\\'");
    args.push(likePattern(filter.san));
  }
  if (filter.q) {
    where.push("(subject LIKE ? ESCAPE '\\' OR sans LIKE ? ESCAPE '\\' OR serial = ? OR transaction_id = ?)");
    args.push(likePattern(filter.q), likePattern(filter.q), filter.q.replace(/[:\s]/g, "").toUpperCase(), filter.q);
  }
  if (filter.serial) {
    where.push("serial = ?");
    args.push(filter.serial.toUpperCase());
  }
  if (filter.transactionId) {
    where.push("transaction_id = ?");
    args.push(filter.transactionId);
  }
  if (filter.status) {
    where.push("status = ?");
    args.push(filter.status);
  }
  if (filter.from !== undefined) {
    where.push("created_at >= ?");
    args.push(filter.from);
  }
  if (filter.to !== undefined) {
    where.push("created_at < ?");
    args.push(filter.to);
  }
  const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
  if (after) {
    where.push("(created_at < ? OR (created_at = ? AND serial < ?))");
    args.push(after.createdAt, after.createdAt, after.serial);
  }
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), MAX_PAGE);
  const rows = sql
    .exec<CertificateRow>(
      `SELECT ${COLUMNS} FROM certificates ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at DESC, serial DESC LIMIT ?`,
      ...args,
      limit + 1,
    )
    .toArray();
  const items = rows.slice(0, limit).map(toView);
  const last = items[items.length - 1];
  return { items, cursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.serial) : undefined };
}

/** A LIKE pattern matching `text` anywhere, with LIKE's own characters taken literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function encodeCursor(createdAt: number, serial: string): string {
  return `${createdAt}.${serial}`;
}

function decodeCursor(cursor: string): { createdAt: number; serial: string } | undefined {
  const m = /^(\d+)\.([0-9A-F]+)$/.exec(cursor);
  return m ? { createdAt: Number(m[1]), serial: m[2]! } : undefined;
}

export type RevokeOutcome = "revoked" | "not-found" | "already-revoked" | "bad-reason";

/**
 * Marks a certificate revoked and bumps the CRL revision so the next CRL request rebuilds it. The
 * reason is checked here as well as at the API: whatever reaches storage must build a CRL.
 */
export function revokeCertificate(sql: SqlStorage, serial: string, reason: number, at: number): RevokeOutcome {
  if (typeof reason !== "number" || !REVOCATION_REASON_CODES.has(reason)) return "bad-reason";
  if (typeof at !== "number" || !Number.isFinite(at)) return "bad-reason";
  const row = sql.exec<{ status: string }>("SELECT status FROM certificates WHERE serial = ?", serial).toArray()[0];
  if (!row) return "not-found";
  if (row.status === "revoked") return "already-revoked";
  sql.exec("UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = ? WHERE serial = ?", at, reason, serial);
  sql.exec("UPDATE crl_state SET revision = revision + 1 WHERE id = 1");
  return "revoked";
}

export function markUndelivered(sql: SqlStorage, serial: string): void {
  sql.exec("UPDATE certificates SET delivered = 0 WHERE serial = ?", serial);
}

/** Delivery confirmed (Intune acknowledged): the certificate may now leave, now and on retries. */
export function confirmDelivery(sql: SqlStorage, serial: string, now: number): boolean {
  const row = sql
    .exec<{ status: string; supersedes: string | null }>("SELECT status, supersedes FROM certificates WHERE serial = ?", serial)
    .toArray()[0];
  if (row?.status !== "valid") return false;
  sql.exec("UPDATE certificates SET delivered = 1 WHERE serial = ?", serial);
  // REVOKE_SUPERSEDED: the renewed certificate is revoked once its successor is delivered.
  if (row.supersedes) revokeCertificate(sql, row.supersedes, SUPERSEDED, now);
  return true;
}

/** RFC 5280 §5.3.1 superseded. */
export const SUPERSEDED = 4;

export function stats(sql: SqlStorage, now: number): LedgerStats {
  const c = sql
    .exec<{ total: number; valid: number; revoked: number; undelivered: number }>(
      `SELECT COUNT(*) AS total,
              COALESCE(SUM(status = 'valid'), 0) AS valid,
              COALESCE(SUM(status = 'revoked'), 0) AS revoked,
              COALESCE(SUM(delivered = 0), 0) AS undelivered
       FROM certificates`,
    )
    .one();
  const t = sql
    .exec<{ pending: number; rejected: number }>(
      "SELECT COALESCE(SUM(state = 'pending'), 0) AS pending, COALESCE(SUM(state = 'rejected'), 0) AS rejected FROM transactions",
    )
    .one();
  return {
    certificates: c.total,
    valid: c.valid,
    revoked: c.revoked,
    undelivered: c.undelivered,
    pending: t.pending,
    rejected: t.rejected,
    challengesOutstanding: outstandingChallenges(sql, now),
  };
}

function toView(row: CertificateRow): CertificateView {
  return {
    serial: row.serial,
    transactionId: row.transaction_id,
    subject: row.subject,
    sans: row.sans,
    notBefore: row.not_before,
    notAfter: row.not_after,
    sha1: row.sha1,
    sha256: row.sha256,
    status: row.status as CertificateView["status"],
    revokedAt: row.revoked_at ?? undefined,
    revocationReason: row.revocation_reason ?? undefined,
    delivered: row.delivered === 1,
    createdAt: row.created_at,
    profile: row.profile,
    challengeKind: row.challenge_kind,
    lineage: row.lineage,
    renewedFrom: row.renewed_from ?? undefined,
  };
}
