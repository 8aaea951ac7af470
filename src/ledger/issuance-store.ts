// Transactions and certificates: the invariants of issuance, as SQL run inside one storage
// transaction per call. A certificate row exists before the certificate leaves the Worker.
import { consumeChallenge } from "./challenge-store";
import { renewalStatus, supersede } from "./renewal-store";
import type {
  ApprovalOutcome,
  ApprovalRenewalCheck,
  CertificateInput,
  ExistingAnswer,
  PendingOutcome,
  PendingRequest,
  RecordOutcome,
  RejectedRequest,
  RenewalRefusal,
  TransactionInput,
  TransactionView,
} from "./types";

interface TransactionRow extends Record<string, SqlStorageValue> {
  transaction_id: string;
  request_key: string;
  csr_sha256: string;
  subject: string;
  challenge_kind: string;
  state: string;
  serial: string | null;
  note: string | null;
  created_at: number;
  updated_at: number;
}

const TX_COLUMNS = "transaction_id, request_key, csr_sha256, subject, challenge_kind, state, serial, note, created_at, updated_at";

function findTransaction(sql: SqlStorage, transactionId: string, requestKey: string): TransactionRow | undefined {
  return sql
    .exec<TransactionRow>(`SELECT ${TX_COLUMNS} FROM transactions WHERE transaction_id = ? AND request_key = ?`, transactionId, requestKey)
    .toArray()[0];
}

/** A certificate that may be handed out again: recorded and delivered (not withheld). */
function certificateDer(sql: SqlStorage, serial: string): Uint8Array | undefined {
  const row = sql.exec<{ der: ArrayBuffer }>("SELECT der FROM certificates WHERE serial = ? AND delivered = 1", serial).toArray()[0];
  return row ? new Uint8Array(row.der) : undefined;
}

function certificateRow(sql: SqlStorage, serial: string): { der: Uint8Array; delivered: boolean; status: string } | undefined {
  const row = sql
    .exec<{ der: ArrayBuffer; delivered: number; status: string }>("SELECT der, delivered, status FROM certificates WHERE serial = ?", serial)
    .toArray()[0];
  return row ? { der: new Uint8Array(row.der), delivered: row.delivered === 1, status: row.status } : undefined;
}

/** The answer for a transaction already on record, or undefined when the request is new. */
export function answerForExisting(
  sql: SqlStorage,
  tx: Pick<TransactionInput, "transactionId" | "requestKey" | "csrSha256">,
): ExistingAnswer | undefined {
  const existing = findTransaction(sql, tx.transactionId, tx.requestKey);
  if (!existing) return undefined;
  if (existing.csr_sha256 !== tx.csrSha256) return { kind: "conflict" };
  if (existing.state === "rejected") return { kind: "rejected", note: existing.note ?? "" };
  if (existing.state === "pending" || !existing.serial) return { kind: "pending" };
  const cert = certificateRow(sql, existing.serial);
  if (cert?.delivered) return { kind: "existing", der: cert.der, serial: existing.serial };
  // Recorded but never confirmed (the Worker stopped before Intune acknowledged): the caller may
  // confirm it now. A withheld one (Intune refused, so it is revoked) is never handed out.
  if (cert && cert.status === "valid") return { kind: "unconfirmed", der: cert.der, serial: existing.serial };
  return { kind: "rejected", note: "certificate withheld" };
}

/** The transaction columns a certificate row inherits (how it was authorised, under which profile). */
interface IssuedFor {
  transactionId: string;
  requestKey: string;
  challengeKind: string;
  lineage: string;
  profile: string;
  renewedFrom: string | null;
  /** Same-ledger serial to revoke as superseded once this certificate is delivered. */
  supersedes: string | null;
}

function insertCertificate(sql: SqlStorage, issued: IssuedFor, cert: CertificateInput, now: number): void {
  sql.exec(
    `INSERT INTO certificates (serial, transaction_id, request_key, subject, sans, not_before, not_after, sha1, sha256, der, delivered,
       created_at, profile, challenge_kind, lineage, renewed_from, supersedes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    cert.serial,
    issued.transactionId,
    issued.requestKey,
    cert.subject,
    cert.sans,
    cert.notBefore,
    cert.notAfter,
    cert.sha1,
    cert.sha256,
    cert.der,
    cert.delivered === false ? 0 : 1,
    now,
    issued.profile,
    issued.challengeKind,
    issued.lineage,
    issued.renewedFrom,
    issued.supersedes,
  );
  if (cert.delivered !== false && issued.supersedes) supersede(sql, issued.supersedes, now);
}

function issuedFor(tx: TransactionInput): IssuedFor {
  const r = tx.renewalOf;
  return {
    transactionId: tx.transactionId,
    requestKey: tx.requestKey,
    challengeKind: tx.challengeKind,
    lineage: tx.lineage,
    profile: tx.profile,
    renewedFrom: r ? (r.caKeyId ? `${r.caKeyId}:${r.serial}` : r.serial) : null,
    supersedes: r && !r.caKeyId && r.supersede ? r.serial : null,
  };
}

function insertTransaction(sql: SqlStorage, tx: TransactionInput, state: "issued" | "pending", serial: string | null, now: number): void {
  const issued = issuedFor(tx);
  sql.exec(
    `INSERT INTO transactions (transaction_id, request_key, csr_sha256, csr_der, signer_sha256, subject, message_type,
       challenge_kind, state, serial, created_at, updated_at, lineage, profile, sans, renewed_from, sealed_csr)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    tx.transactionId,
    tx.requestKey,
    tx.csrSha256,
    tx.csrDer,
    tx.signerSha256,
    tx.subject,
    tx.messageType,
    tx.challengeKind,
    state,
    serial,
    now,
    now,
    tx.lineage,
    tx.profile,
    tx.sans,
    issued.renewedFrom,
    tx.sealedCsr ?? null,
  );
}

/** A renewal by signature whose signing certificate (of this ledger) no longer authorises it. */
function renewalRefusal(sql: SqlStorage, tx: TransactionInput, now: number): RenewalRefusal | undefined {
  const r = tx.renewalOf;
  if (!r?.authorises || r.caKeyId) return undefined;
  const status = renewalStatus(sql, r.serial, r.sha256, now, r.policy);
  return status.ok ? undefined : status.reason;
}

function serialTaken(sql: SqlStorage, serial: string): boolean {
  return sql.exec("SELECT 1 FROM certificates WHERE serial = ?", serial).toArray().length > 0;
}

export function recordIssuance(sql: SqlStorage, tx: TransactionInput, cert: CertificateInput, now: number): RecordOutcome {
  const answer = answerForExisting(sql, tx);
  if (answer) return answer;
  if (serialTaken(sql, cert.serial)) return { kind: "serial-taken" };
  const renewal = renewalRefusal(sql, tx, now);
  if (renewal) return { kind: "renewal-refused", reason: renewal };
  if (tx.oneTimeChallengeSha256) {
    const refusal = consumeChallenge(sql, tx.oneTimeChallengeSha256, tx.subject, tx.sans, tx.transactionId, now);
    if (refusal) return { kind: "challenge-refused", reason: refusal };
  }
  insertTransaction(sql, tx, "issued", cert.serial, now);
  insertCertificate(sql, issuedFor(tx), cert, now);
  return { kind: "recorded" };
}

/** Manual approval: keep the request; the client polls (RFC 8894 §3.3.3). */
export function recordPending(sql: SqlStorage, tx: TransactionInput, now: number): PendingOutcome {
  const answer = answerForExisting(sql, tx);
  if (answer) return answer;
  const renewal = renewalRefusal(sql, tx, now);
  if (renewal) return { kind: "renewal-refused", reason: renewal };
  if (tx.oneTimeChallengeSha256) {
    const refusal = consumeChallenge(sql, tx.oneTimeChallengeSha256, tx.subject, tx.sans, tx.transactionId, now);
    if (refusal) return { kind: "challenge-refused", reason: refusal };
  }
  insertTransaction(sql, tx, "pending", null, now);
  return { kind: "pending" };
}

export function pendingRequest(sql: SqlStorage, transactionId: string, requestKey: string): PendingRequest | undefined {
  const row = sql
    .exec<{
      csr_der: ArrayBuffer;
      sealed_csr: ArrayBuffer | null;
      signer_sha256: string;
      subject: string;
      challenge_kind: string;
      lineage: string;
      profile: string;
      renewed_from: string | null;
      created_at: number;
    }>(
      `SELECT csr_der, sealed_csr, signer_sha256, subject, challenge_kind, lineage, profile, renewed_from, created_at
       FROM transactions WHERE transaction_id = ? AND request_key = ? AND state = 'pending'`,
      transactionId,
      requestKey,
    )
    .toArray()[0];
  if (!row) return undefined;
  return {
    transactionId,
    requestKey,
    csrDer: new Uint8Array(row.csr_der),
    sealedCsr: row.sealed_csr ? new Uint8Array(row.sealed_csr) : undefined,
    signerSha256: row.signer_sha256,
    subject: row.subject,
    challengeKind: row.challenge_kind,
    lineage: row.lineage,
    profile: row.profile,
    renewedFrom: row.renewed_from ?? undefined,
    createdAt: row.created_at,
  };
}

export function completeApproval(
  sql: SqlStorage,
  transactionId: string,
  requestKey: string,
  cert: CertificateInput,
  now: number,
  renewal?: ApprovalRenewalCheck,
): ApprovalOutcome {
  const tx = sql
    .exec<{ state: string; challenge_kind: string; lineage: string; profile: string; renewed_from: string | null; signer_sha256: string }>(
      "SELECT state, challenge_kind, lineage, profile, renewed_from, signer_sha256 FROM transactions WHERE transaction_id = ? AND request_key = ?",
      transactionId,
      requestKey,
    )
    .toArray()[0];
  if (tx?.state !== "pending") return { kind: "not-pending" };
  if (serialTaken(sql, cert.serial)) return { kind: "serial-taken" };
  // A renewal waited for approval: its signing certificate must still authorise it now.
  const sameLedgerRenewal = tx.renewed_from !== null && !tx.renewed_from.includes(":");
  if (tx.challenge_kind === "renewal" && sameLedgerRenewal && renewal) {
    const status = renewalStatus(sql, tx.renewed_from!, tx.signer_sha256, now, renewal.policy);
    if (!status.ok) return { kind: "renewal-refused", reason: status.reason };
  }
  insertCertificate(
    sql,
    {
      transactionId,
      requestKey,
      challengeKind: tx.challenge_kind,
      lineage: tx.lineage,
      profile: tx.profile,
      renewedFrom: tx.renewed_from,
      supersedes: sameLedgerRenewal && renewal?.supersede ? tx.renewed_from : null,
    },
    cert,
    now,
  );
  sql.exec(
    "UPDATE transactions SET state = 'issued', serial = ?, sealed_csr = NULL, updated_at = ? WHERE transaction_id = ? AND request_key = ?",
    cert.serial,
    now,
    transactionId,
    requestKey,
  );
  return { kind: "recorded" };
}

export function rejectPending(sql: SqlStorage, transactionId: string, requestKey: string, note: string, now: number): RejectedRequest | undefined {
  const row = sql
    .exec<{ state: string; challenge_kind: string; csr_der: ArrayBuffer; sealed_csr: ArrayBuffer | null }>(
      "SELECT state, challenge_kind, csr_der, sealed_csr FROM transactions WHERE transaction_id = ? AND request_key = ?",
      transactionId,
      requestKey,
    )
    .toArray()[0];
  if (row?.state !== "pending") return undefined;
  sql.exec(
    "UPDATE transactions SET state = 'rejected', note = ?, sealed_csr = NULL, updated_at = ? WHERE transaction_id = ? AND request_key = ?",
    note,
    now,
    transactionId,
    requestKey,
  );
  return {
    challengeKind: row.challenge_kind,
    csrDer: new Uint8Array(row.csr_der),
    ...(row.sealed_csr ? { sealedCsr: new Uint8Array(row.sealed_csr) } : {}),
  };
}

/** The most recent request under a transactionID (polls carry no request key). */
export function latestTransaction(sql: SqlStorage, transactionId: string): TransactionView | undefined {
  const row = sql
    .exec<TransactionRow>(`SELECT ${TX_COLUMNS} FROM transactions WHERE transaction_id = ? ORDER BY updated_at DESC LIMIT 1`, transactionId)
    .toArray()[0];
  if (!row) return undefined;
  return {
    ...toView(row),
    der: row.state === "issued" && row.serial ? certificateDer(sql, row.serial) : undefined,
  };
}

export function listPending(sql: SqlStorage, limit: number): TransactionView[] {
  return sql
    .exec<TransactionRow>(`SELECT ${TX_COLUMNS} FROM transactions WHERE state = 'pending' ORDER BY created_at LIMIT ?`, limit)
    .toArray()
    .map(toView);
}

function toView(row: TransactionRow): TransactionView {
  return {
    transactionId: row.transaction_id,
    requestKey: row.request_key,
    state: row.state as TransactionView["state"],
    csrSha256: row.csr_sha256,
    subject: row.subject,
    challengeKind: row.challenge_kind,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    serial: row.serial ?? undefined,
    note: row.note ?? undefined,
  };
}
