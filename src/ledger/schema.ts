// Versioned schema of the ledger Durable Object (docs/storage-schema.md). Migrations run once, in
// order, inside blockConcurrencyWhile; the applied version is kept in schema_version. Never edit a
// released migration: append a new one. A migration is SQL, or a function for row rewrites SQL
// cannot express.
import { stripChallengePassword } from "../x509/csr-redaction";

export type Migration = string | ((sql: SqlStorage) => void);

export const MIGRATIONS: readonly Migration[] = [
  // v1
  `CREATE TABLE transactions (
     transaction_id  TEXT NOT NULL,
     request_key     TEXT NOT NULL,            -- '' for a first enrollment, signer serial for a renewal
     csr_sha256      TEXT NOT NULL,
     csr_der         BLOB NOT NULL,            -- kept for approvals and Intune notifications
     signer_sha256   TEXT NOT NULL,
     subject         TEXT NOT NULL,
     message_type    INTEGER NOT NULL,
     challenge_kind  TEXT NOT NULL,            -- static | one-time | intune | renewal
     state           TEXT NOT NULL,            -- pending | issued | rejected
     serial          TEXT,                     -- set when issued
     note            TEXT,                     -- rejection reason
     created_at      INTEGER NOT NULL,
     updated_at      INTEGER NOT NULL,
     PRIMARY KEY (transaction_id, request_key)
   );
   CREATE INDEX transactions_by_state ON transactions (state, created_at);

   CREATE TABLE certificates (
     serial          TEXT PRIMARY KEY,         -- uppercase hex; the PRIMARY KEY makes serials unique
     transaction_id  TEXT NOT NULL,
     request_key     TEXT NOT NULL,
     subject         TEXT NOT NULL,
     sans            TEXT NOT NULL DEFAULT '',
     not_before      INTEGER NOT NULL,         -- ms since epoch
     not_after       INTEGER NOT NULL,
     sha1            TEXT NOT NULL,
     sha256          TEXT NOT NULL,
     der             BLOB NOT NULL,
     status          TEXT NOT NULL DEFAULT 'valid',   -- valid | revoked
     revoked_at      INTEGER,
     revocation_reason INTEGER,                -- RFC 5280 §5.3.1 CRLReason
     delivered       INTEGER NOT NULL DEFAULT 1,
     created_at      INTEGER NOT NULL
   );
   CREATE INDEX certificates_by_transaction ON certificates (transaction_id);
   CREATE INDEX certificates_by_created ON certificates (created_at);
   CREATE INDEX certificates_by_subject ON certificates (subject);
   CREATE INDEX certificates_revoked ON certificates (status, not_after) WHERE status = 'revoked';

   CREATE TABLE one_time_challenges (
     challenge_sha256 TEXT PRIMARY KEY,        -- never the challenge itself
     subject          TEXT,                    -- optional binding to the CSR subject
     expires_at       INTEGER NOT NULL,
     used_at          INTEGER,
     used_by          TEXT,                    -- transaction_id that consumed it
     created_at       INTEGER NOT NULL
   );

   CREATE TABLE crl_state (
     id              INTEGER PRIMARY KEY CHECK (id = 1),
     last_number     INTEGER NOT NULL,         -- highest CRL number handed out (monotonic)
     revision        INTEGER NOT NULL,         -- bumped by every revocation
     cached_der      BLOB,
     cached_number   INTEGER,
     cached_revision INTEGER,
     this_update     INTEGER,
     next_update     INTEGER
   );
   INSERT INTO crl_state (id, last_number, revision) VALUES (1, 0, 0);`,
  // v2: certificate profiles, renewal lineage, SAN binding of one-time challenges, and the repair
  // of revocation reasons that an unchecked admin input could store as text.
  `ALTER TABLE transactions ADD COLUMN lineage TEXT NOT NULL DEFAULT 'static';
   ALTER TABLE transactions ADD COLUMN profile TEXT NOT NULL DEFAULT 'default';
   ALTER TABLE transactions ADD COLUMN sans TEXT NOT NULL DEFAULT '';
   ALTER TABLE transactions ADD COLUMN renewed_from TEXT;      -- serial, or '<caKeyId>:<serial>' for another CA's
   ALTER TABLE transactions ADD COLUMN sealed_csr BLOB;        -- original CSR of a pending Intune request, sealed
   UPDATE transactions SET lineage = CASE challenge_kind WHEN 'renewal' THEN 'unknown' ELSE challenge_kind END;
   ALTER TABLE certificates ADD COLUMN profile TEXT NOT NULL DEFAULT 'default';
   ALTER TABLE certificates ADD COLUMN challenge_kind TEXT NOT NULL DEFAULT 'static';
   ALTER TABLE certificates ADD COLUMN lineage TEXT NOT NULL DEFAULT 'static';
   ALTER TABLE certificates ADD COLUMN renewed_from TEXT;      -- serial, or '<caKeyId>:<serial>' for another CA's
   ALTER TABLE certificates ADD COLUMN supersedes TEXT;        -- serial in this ledger to revoke as superseded on delivery
   UPDATE certificates SET
     challenge_kind = COALESCE((SELECT t.challenge_kind FROM transactions t
                                WHERE t.transaction_id = certificates.transaction_id AND t.request_key = certificates.request_key), 'static'),
     lineage = COALESCE((SELECT t.lineage FROM transactions t
                         WHERE t.transaction_id = certificates.transaction_id AND t.request_key = certificates.request_key), 'unknown');
   UPDATE certificates SET revocation_reason = 0
     WHERE status = 'revoked' AND (typeof(revocation_reason) <> 'integer' OR revocation_reason NOT IN (0, 1, 2, 3, 4, 5, 6, 8, 9, 10));
   UPDATE crl_state SET revision = revision + 1 WHERE id = 1;
   ALTER TABLE crl_state ADD COLUMN cached_ca TEXT;          -- SHA-256 of the CA certificate that signed cached_der
   ALTER TABLE one_time_challenges ADD COLUMN sans TEXT NOT NULL DEFAULT '';`,
  // v3: no challenge at rest. Requests recorded before v2 kept the CSR as sent, challengePassword included.
  (sql) => {
    const rows = sql
      .exec<{ transaction_id: string; request_key: string; csr_der: ArrayBuffer }>("SELECT transaction_id, request_key, csr_der FROM transactions")
      .toArray();
    for (const row of rows) {
      const stripped = stripChallengePassword(new Uint8Array(row.csr_der));
      if (stripped)
        sql.exec("UPDATE transactions SET csr_der = ? WHERE transaction_id = ? AND request_key = ?", stripped, row.transaction_id, row.request_key);
    }
  },
  // v4: Intune's revocation requests as handled here (intune-revocation-store.ts), and the sync's state.
  `CREATE TABLE intune_revocations (
     request_context TEXT PRIMARY KEY,          -- Intune's id of the request, opaque
     serial          TEXT NOT NULL,             -- as requested, normalised to uppercase hex
     outcome         TEXT NOT NULL,             -- revoked | already-revoked | not-found | invalid
     received_at     INTEGER NOT NULL,
     uploaded_at     INTEGER                    -- when Intune accepted the result; NULL: send it again
   );
   CREATE INDEX intune_revocations_unsent ON intune_revocations (received_at) WHERE uploaded_at IS NULL;
   CREATE TABLE intune_sync (
     id          INTEGER PRIMARY KEY CHECK (id = 1),
     run_id      TEXT NOT NULL,
     started_at  INTEGER NOT NULL,
     finished_at INTEGER,                       -- NULL while a run holds the sync
     summary     TEXT                           -- JSON of the last finished run
   );`,
  // v5: OCSP. The delegated responder's certificate is a row of `certificates` like every
  // certificate the CA key signs; its key is kept here sealed (never in clear). Traffic counters
  // are flushed in batches by the Worker's isolates.
  `CREATE TABLE ocsp_responders (
     serial       TEXT PRIMARY KEY,            -- the certificates row of the responder certificate
     ca_sha256    TEXT NOT NULL,               -- SHA-256 of the CA certificate that issued it
     sealed_key   BLOB NOT NULL,               -- PKCS#8, AES-256-GCM under a key derived from the CA key
     not_before   INTEGER NOT NULL,
     not_after    INTEGER NOT NULL,
     created_at   INTEGER NOT NULL
   );
   CREATE TABLE ocsp_counters (
     name   TEXT PRIMARY KEY,
     count  INTEGER NOT NULL
   );`,
  // v6: what the abuse guard refused (429s, Intune calls not made), added in batches by the isolates.
  `CREATE TABLE edge_counters (
     name   TEXT PRIMARY KEY,
     count  INTEGER NOT NULL
   );`,
];
