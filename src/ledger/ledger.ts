// The issuance ledger: a SQLite-backed Durable Object, the one place where uniqueness is decided
// (serials, transactionIDs). Methods are synchronous SQL inside one RPC call, so each is atomic;
// CPU-heavy work (signing) happens in the Worker before the call.
import { DurableObject } from "cloudflare:workers";
import { MIGRATIONS } from "./schema";
import type { IssuanceRecord, RecordOutcome, StoredCertificate } from "./types";

interface CertificateRow extends Record<string, SqlStorageValue> {
  serial: string;
  transaction_id: string;
  request_key: string;
  csr_sha256: string;
  der: ArrayBuffer;
  status: string;
}

export class Ledger extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  private migrate(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const row = this.sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
    const current = row?.version ?? 0;
    if (current >= MIGRATIONS.length) return;
    this.ctx.storage.transactionSync(() => {
      for (let v = current; v < MIGRATIONS.length; v++) this.sql.exec(MIGRATIONS[v]!);
      this.sql.exec("DELETE FROM schema_version");
      this.sql.exec("INSERT INTO schema_version (version) VALUES (?)", MIGRATIONS.length);
    });
  }

  /**
   * Records an issuance unless the (transactionId, requestKey) pair already has one. One round
   * trip per enrollment: the Worker signs first, and only a committed certificate is delivered.
   */
  recordIssuance(record: IssuanceRecord): RecordOutcome {
    return this.ctx.storage.transactionSync((): RecordOutcome => {
      const existing = this.sql
        .exec<CertificateRow>(
          "SELECT serial, transaction_id, request_key, csr_sha256, der, status FROM certificates WHERE transaction_id = ? AND request_key = ?",
          record.transactionId,
          record.requestKey,
        )
        .toArray()[0];
      if (existing) {
        if (existing.csr_sha256 !== record.csrSha256) return { kind: "conflict" };
        return { kind: "existing", der: new Uint8Array(existing.der), serial: existing.serial };
      }
      const taken = this.sql.exec("SELECT 1 FROM certificates WHERE serial = ?", record.serial).toArray().length > 0;
      if (taken) return { kind: "serial-taken" };
      this.sql.exec(
        `INSERT INTO certificates (serial, transaction_id, request_key, csr_sha256, signer_sha256, subject,
           not_before, not_after, sha1, sha256, der, message_type, challenge_kind, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        record.serial, record.transactionId, record.requestKey, record.csrSha256, record.signerSha256,
        record.subject, record.notBefore, record.notAfter, record.sha1, record.sha256, record.der,
        record.messageType, record.challengeKind, record.createdAt,
      );
      return { kind: "recorded" };
    });
  }

  /** The certificates recorded for a transaction (CertPoll/GetCertInitial, RFC 8894 §3.3.3). */
  findByTransaction(transactionId: string): StoredCertificate[] {
    return this.sql
      .exec<CertificateRow>(
        "SELECT serial, transaction_id, request_key, csr_sha256, der, status FROM certificates WHERE transaction_id = ? ORDER BY created_at DESC",
        transactionId,
      )
      .toArray()
      .map(toStored);
  }

  getBySerial(serial: string): StoredCertificate | undefined {
    const row = this.sql
      .exec<CertificateRow>(
        "SELECT serial, transaction_id, request_key, csr_sha256, der, status FROM certificates WHERE serial = ?",
        serial,
      )
      .toArray()[0];
    return row ? toStored(row) : undefined;
  }

  countCertificates(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM certificates").one().n;
  }
}

function toStored(row: CertificateRow): StoredCertificate {
  return {
    serial: row.serial,
    transactionId: row.transaction_id,
    requestKey: row.request_key,
    csrSha256: row.csr_sha256,
    der: new Uint8Array(row.der),
    status: row.status,
  };
}
