// Versioned schema of the ledger Durable Object (docs/storage-schema.md). Migrations run once, in
// order, inside blockConcurrencyWhile; the applied version is kept in schema_version. Never edit a
// released migration: append a new one.

export const MIGRATIONS: readonly string[] = [
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
];
