// Versioned schema of the ledger Durable Object (docs/storage-schema.md). Each migration runs once,
// in order, inside blockConcurrencyWhile; the applied version is kept in schema_version.

export const MIGRATIONS: readonly string[] = [
  // v1: every issued certificate, keyed by serial; (transaction_id, request_key) is the idempotency key.
  `CREATE TABLE certificates (
     serial          TEXT PRIMARY KEY,          -- uppercase hex, no leading zeros stripped
     transaction_id  TEXT NOT NULL,
     request_key     TEXT NOT NULL,             -- '' for a first enrollment, signer serial for a renewal
     csr_sha256      TEXT NOT NULL,
     signer_sha256   TEXT NOT NULL,
     subject         TEXT NOT NULL,
     not_before      INTEGER NOT NULL,          -- ms since epoch
     not_after       INTEGER NOT NULL,
     sha1            TEXT NOT NULL,
     sha256          TEXT NOT NULL,
     der             BLOB NOT NULL,
     message_type    INTEGER NOT NULL,
     challenge_kind  TEXT NOT NULL,
     status          TEXT NOT NULL DEFAULT 'valid',
     delivered       INTEGER NOT NULL DEFAULT 1,
     created_at      INTEGER NOT NULL,
     UNIQUE (transaction_id, request_key)
   );
   CREATE INDEX certificates_by_transaction ON certificates (transaction_id);`,
];
