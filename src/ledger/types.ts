// Shapes exchanged with the ledger over Durable Object RPC (structured-clone friendly).

export type TransactionState = "pending" | "issued" | "rejected";
export type ChallengeKind = "static" | "one-time" | "intune" | "renewal";

/** What identifies a request and what it asked for. */
export interface TransactionInput {
  transactionId: string;
  /** '' for a first enrollment; the signer certificate's serial for a renewal. */
  requestKey: string;
  csrSha256: string;
  csrDer: Uint8Array;
  signerSha256: string;
  subject: string;
  messageType: number;
  challengeKind: ChallengeKind;
  /** SHA-256 (hex) of a one-time challenge to consume atomically with this record. */
  oneTimeChallengeSha256?: string;
}

export interface CertificateInput {
  serial: string;
  subject: string;
  sans: string;
  notBefore: number;
  notAfter: number;
  sha1: string;
  sha256: string;
  der: Uint8Array;
  /**
   * false: recorded but not yet deliverable. Intune issuances start so and are confirmed after
   * Intune acknowledges the successNotification (or withheld and revoked when it refuses).
   */
  delivered?: boolean;
}

export type ChallengeRefusal = "unknown" | "used" | "expired" | "subject-mismatch";

export type RecordOutcome =
  /** Committed: the certificate may now leave the Worker. */
  | { kind: "recorded" }
  /** The same transaction and CSR were already served: hand back that certificate instead. */
  | { kind: "existing"; der: Uint8Array; serial: string }
  /** Recorded, but its delivery was never confirmed (Intune's acknowledgement is outstanding). */
  | { kind: "unconfirmed"; der: Uint8Array; serial: string }
  /** The transactionID is bound to a different CSR (RFC 8894 §3.2.1.1). */
  | { kind: "conflict" }
  /** The random serial is taken: draw another and retry. */
  | { kind: "serial-taken" }
  | { kind: "pending" }
  | { kind: "rejected"; note: string }
  | { kind: "challenge-refused"; reason: ChallengeRefusal };

export type PendingOutcome =
  | { kind: "pending" }
  | { kind: "existing"; der: Uint8Array; serial: string }
  | { kind: "unconfirmed"; der: Uint8Array; serial: string }
  | { kind: "conflict" }
  | { kind: "rejected"; note: string }
  | { kind: "challenge-refused"; reason: ChallengeRefusal };

export interface TransactionView {
  transactionId: string;
  requestKey: string;
  state: TransactionState;
  csrSha256: string;
  subject: string;
  challengeKind: string;
  createdAt: number;
  updatedAt: number;
  serial?: string;
  note?: string;
  /** The issued certificate, when state is issued. */
  der?: Uint8Array;
}

export interface CertificateView {
  serial: string;
  transactionId: string;
  subject: string;
  sans: string;
  notBefore: number;
  notAfter: number;
  sha1: string;
  sha256: string;
  status: "valid" | "revoked";
  revokedAt?: number;
  revocationReason?: number;
  delivered: boolean;
  createdAt: number;
}

export interface CertificateFilter {
  subject?: string;
  serial?: string;
  transactionId?: string;
  status?: "valid" | "revoked";
  /** created_at range, ms since epoch */
  from?: number;
  to?: number;
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface RevokedEntry {
  serial: string;
  revokedAt: number;
  reason: number;
}

export interface CrlSnapshot {
  revision: number;
  cached?: { der: Uint8Array; number: number; revision: number; thisUpdate: number; nextUpdate: number };
}

export interface LedgerStats {
  certificates: number;
  valid: number;
  revoked: number;
  undelivered: number;
  pending: number;
  rejected: number;
  challengesOutstanding: number;
}
