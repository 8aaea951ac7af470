// What the OCSP responder reads from and keeps in a CA's ledger: certificate status with the
// revocation revision it was read at (one transaction, so a cached answer is tagged with the
// revision it is true for), the delegated responder certificates and their sealed keys, and the
// traffic counters. docs/ocsp.md explains how the revision bounds what the edge may serve.
import type { CertificateInput, OcspEntry, OcspStatusSnapshot, StoredResponder } from "./types";

/** A responder certificate is a certificate row like any other the CA key signs; these mark it. */
const RESPONDER_KIND = "ocsp-responder";

export function ocspRevision(sql: SqlStorage): number {
  return sql.exec<{ revision: number }>("SELECT revision FROM crl_state WHERE id = 1").one().revision;
}

/**
 * Status of each serial and the revision together. Every revocation bumps the revision in the
 * transaction that revokes (revokeCertificate), so an answer tagged with revision r is true for
 * as long as the revision is still r.
 */
export function ocspStatuses(sql: SqlStorage, serials: string[]): OcspStatusSnapshot {
  const entries: Record<string, OcspEntry> = {};
  for (const serial of serials) entries[serial] = { status: "unknown" };
  if (serials.length > 0) {
    const rows = sql
      .exec<{ serial: string; status: string; revoked_at: number | null; revocation_reason: number | null }>(
        `SELECT serial, status, revoked_at, revocation_reason FROM certificates WHERE serial IN (${serials.map(() => "?").join(", ")})`,
        ...serials,
      )
      .toArray();
    for (const row of rows) {
      entries[row.serial] =
        row.status === "revoked"
          ? { status: "revoked", revokedAt: row.revoked_at ?? 0, reason: Number.isInteger(row.revocation_reason) ? row.revocation_reason! : 0 }
          : { status: "valid" };
    }
  }
  return { revision: ocspRevision(sql), entries };
}

interface ResponderRow extends Record<string, SqlStorageValue> {
  serial: string;
  sealed_key: ArrayBuffer;
  not_before: number;
  not_after: number;
  der: ArrayBuffer;
}

/** The newest responder issued under this CA certificate that is valid now and not revoked. */
export function currentResponder(sql: SqlStorage, caSha256: string, now: number): StoredResponder | undefined {
  const row = sql
    .exec<ResponderRow>(
      `SELECT r.serial, r.sealed_key, r.not_before, r.not_after, c.der
       FROM ocsp_responders r JOIN certificates c ON c.serial = r.serial
       WHERE r.ca_sha256 = ? AND c.status = 'valid' AND r.not_before <= ? AND r.not_after > ?
       ORDER BY r.not_after DESC, r.serial DESC LIMIT 1`,
      caSha256,
      now,
      now,
    )
    .toArray()[0];
  return row
    ? {
        serial: row.serial,
        certDer: new Uint8Array(row.der),
        sealedKey: new Uint8Array(row.sealed_key),
        notBefore: row.not_before,
        notAfter: row.not_after,
      }
    : undefined;
}

/**
 * Records a responder certificate the Worker signed, with its sealed key, and returns the current
 * responder (this one, or a newer one a concurrent isolate recorded). Undefined when the serial is
 * taken: the caller draws another.
 */
export function recordResponder(
  sql: SqlStorage,
  cert: CertificateInput,
  sealedKey: Uint8Array,
  caSha256: string,
  now: number,
): StoredResponder | undefined {
  if (sql.exec("SELECT 1 FROM certificates WHERE serial = ?", cert.serial).toArray().length > 0) return undefined;
  sql.exec(
    `INSERT INTO certificates (serial, transaction_id, request_key, subject, sans, not_before, not_after, sha1, sha256, der, delivered,
       created_at, profile, challenge_kind, lineage)
     VALUES (?, ?, '', ?, '', ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
    cert.serial,
    RESPONDER_KIND,
    cert.subject,
    cert.notBefore,
    cert.notAfter,
    cert.sha1,
    cert.sha256,
    cert.der,
    now,
    RESPONDER_KIND,
    RESPONDER_KIND,
    RESPONDER_KIND, // lineage: never a renewal credential (RENEWAL_POLICY cannot name it)
  );
  sql.exec(
    "INSERT INTO ocsp_responders (serial, ca_sha256, sealed_key, not_before, not_after, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    cert.serial,
    caSha256,
    sealedKey,
    cert.notBefore,
    cert.notAfter,
    now,
  );
  return currentResponder(sql, caSha256, now);
}
