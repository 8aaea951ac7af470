// Shapes exchanged with the ledger over Durable Object RPC (structured-clone friendly): the contract
// between the ledger and its callers, importable from any layer (no Worker API, no storage).

/**
 * CRLReason codes (RFC 5280 §5.3.1) a revocation may carry. removeFromCRL (8) belongs to delta
 * CRLs and certificateHold (6) would need a release this CA does not offer; cACompromise and
 * aACompromise concern other kinds of certificate.
 */
export const REVOCATION_REASON_CODES: ReadonlySet<number> = new Set([0, 1, 3, 4, 5, 9]);

export type TransactionState = "pending" | "issued" | "rejected";
/** How a request was authorised. */
export type ChallengeKind = "static" | "one-time" | "intune" | "renewal";
/** The credential that started a certificate's renewal chain: a renewal inherits its predecessor's. */
export type LineageKind = "static" | "one-time" | "intune";

/**
 * The certificate a request replaces: the one that signed it, issued by this CA or (during a CA
 * rollover) by a retired one. When it `authorises` the request (a renewal by signature), the
 * ledger of the same CA re-checks it inside the transaction that records the new certificate
 * (design rule 7); another CA's ledger is asked by the Worker (confirmRenewal).
 */
export interface RenewalOf {
  serial: string;
  /** SHA-256 (uppercase hex) of the signing certificate: it must be the one the ledger issued. */
  sha256: string;
  /** Key id of the CA that issued it, when that is not this ledger's CA. */
  caKeyId?: string;
  /** true: the signature is the request's only credential; false: a challenge authorised it. */
  authorises: boolean;
  policy: RenewalPolicy;
  /** Revoke it as superseded (reason 4) once the new certificate is delivered (REVOKE_SUPERSEDED). */
  supersede: boolean;
}

/** RENEWAL_POLICY, RENEWAL_GRACE_DAYS and RENEWAL_WINDOW_DAYS as the ledger applies them. */
export interface RenewalPolicy {
  /** Lineage kinds whose certificates may renew by their signature alone. */
  kinds: LineageKind[];
  /** How long after notAfter an expired certificate may still renew (ms; 0 = never). */
  graceMs: number;
  /** Only in the last this-many ms of its life (undefined = any time). */
  windowMs?: number;
}

export type RenewalRefusal =
  | "unknown" // not in this CA's ledger (signed with the CA key outside the Worker)
  | "not-delivered" // recorded but withheld or never confirmed
  | "revoked"
  | "expired"
  | "not-yet-valid"
  | "outside-window"
  | "lineage"; // its lineage kind may not renew by signature (RENEWAL_POLICY; Intune renews through Intune)

export type RenewalStatus =
  | { ok: true; lineage: LineageKind; profile: string; notAfter: number }
  | { ok: false; reason: RenewalRefusal; lineage?: LineageKind; profile?: string; notAfter?: number; revocationReason?: number };

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
  lineage: LineageKind;
  /** Certificate profile name (CERT_PROFILES) the request is issued under. */
  profile: string;
  /** Canonical SAN texts ("dns:a.example"), joined by ", ": one-time challenges bind them. */
  sans: string;
  /** SHA-256 (hex) of a one-time challenge to consume atomically with this record. */
  oneTimeChallengeSha256?: string;
  /** The certificate this request renews (it signed the request). */
  renewalOf?: RenewalOf;
  /**
   * The original CSR, sealed (AES-GCM under a key derived from the CA key), for a request that
   * waits for approval and must be sent to Intune later. Every stored CSR is otherwise stripped of
   * its challengePassword (docs/security.md).
   */
  sealedCsr?: Uint8Array;
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

export type ChallengeRefusal = "unknown" | "used" | "expired" | "subject-mismatch" | "san-mismatch";

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
  | { kind: "challenge-refused"; reason: ChallengeRefusal }
  /** The renewal's signing certificate stopped being a renewal credential (revoked meanwhile…). */
  | { kind: "renewal-refused"; reason: RenewalRefusal };

/** What a request gets when the ledger already holds its transaction, or refuses it. */
export type EarlierOutcome = Exclude<RecordOutcome, { kind: "recorded" | "serial-taken" }>;

/** recordPending's answer: pending, or what an earlier record of the transaction says. */
export type PendingOutcome = EarlierOutcome;

/** The answer for a transaction already on record (lookupRequest), without the refusals of a new record. */
export type ExistingAnswer = Exclude<EarlierOutcome, { kind: "challenge-refused" | "renewal-refused" }>;

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
  profile: string;
  challengeKind: string;
  lineage: string;
  /** The certificate this one renewed ("<caKeyId>:<serial>" when it was another CA's). */
  renewedFrom?: string;
}

export interface CertificateFilter {
  subject?: string;
  /** Substring of the SAN text ("dns:a.example, upn:…"). */
  san?: string;
  /** One search box: a substring of the subject or the SANs, or exactly the serial or the transactionID. */
  q?: string;
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
  /** The last CRL built, and the certificate (SHA-256) of the CA that signed it. */
  cached?: { der: Uint8Array; number: number; revision: number; thisUpdate: number; nextUpdate: number; caSha256: string };
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

export interface PendingRequest {
  transactionId: string;
  requestKey: string;
  /** The CSR as stored: without its challengePassword (its signature no longer verifies). */
  csrDer: Uint8Array;
  /** The CSR as received, sealed, when Intune must be told about the outcome. */
  sealedCsr?: Uint8Array;
  signerSha256: string;
  subject: string;
  challengeKind: string;
  lineage: string;
  profile: string;
  /** The certificate this request renews: a serial of this ledger, or '<caKeyId>:<serial>'. */
  renewedFrom?: string;
  createdAt: number;
}

/** A request an admin (or a failed approval) turned down, with what Intune must hear of it. */
export interface RejectedRequest {
  challengeKind: string;
  /** As stored: without its challengePassword. */
  csrDer: Uint8Array;
  /** The CSR as received, sealed, for an Intune request: read in the step that clears it. */
  sealedCsr?: Uint8Array;
}

export type ApprovalOutcome =
  | { kind: "recorded" }
  | { kind: "serial-taken" }
  | { kind: "not-pending" }
  | { kind: "renewal-refused"; reason: RenewalRefusal };

/** How an approval re-checks a pending renewal by signature of this ledger's certificate. */
export interface ApprovalRenewalCheck {
  policy: RenewalPolicy;
  supersede: boolean;
}

/** What became of one of Intune's revocation requests (intune-revocation-store.ts). */
export type IntuneRevocationOutcome = "revoked" | "already-revoked" | "not-found" | "invalid";

export type IntuneRevocationAnswer =
  /** This ledger had handled the requestContext before: nothing changes, the result is sent again. */
  | { kind: "seen"; outcome: IntuneRevocationOutcome }
  /** The certificate is this ledger's: revoked now (or found revoked), and recorded. */
  | { kind: "handled"; outcome: "revoked" | "already-revoked" }
  /** Neither the requestContext nor the serial is known here. */
  | { kind: "absent" };

/** A result recorded in this ledger that Intune has not accepted yet. */
export interface UnsentIntuneRevocation {
  requestContext: string;
  serial: string;
  outcome: IntuneRevocationOutcome;
}

export interface IntuneSyncState {
  runId: string;
  startedAt: number;
  finishedAt?: number;
  /** The last finished run's summary (intune/revocation-sync.ts SyncSummary), as JSON text. */
  summaryJson?: string;
  /** Results recorded in this ledger and not yet accepted by Intune. */
  unsent: number;
}

/** A serial's state for OCSP: `unknown` when this ledger never recorded it. */
export type OcspEntry = { status: "valid" } | { status: "revoked"; revokedAt: number; reason: number } | { status: "unknown" };

export interface OcspStatusSnapshot {
  /** The revocation revision (crl_state.revision) the entries were read at. */
  revision: number;
  entries: Record<string, OcspEntry>;
}

/** A delegated OCSP responder: its certificate and its PKCS#8 key sealed under a key derived from the CA key. */
export interface StoredResponder {
  serial: string;
  certDer: Uint8Array;
  sealedKey: Uint8Array;
  notBefore: number;
  notAfter: number;
}

export interface ResponderLookup {
  current?: StoredResponder;
  /** This caller should issue the next responder (no current one, or it is due and no one else is on it). */
  rotate: boolean;
}

/** The admin overview's view of one ledger (activity-store.ts). Times in ms since the epoch. */
export interface LedgerActivity {
  /** UTC date (YYYY-MM-DD) of issuedPerDay[0]; the last entry is today. */
  firstDay: string;
  issuedPerDay: number[];
  byChallengeKind: Record<string, { valid: number; revoked: number }>;
  /** Certificates still marked valid whose notAfter has passed, and those ending in the next 30 days. */
  validExpired: number;
  validExpiringIn30Days: number;
  /** The last CRL signed, when one was. */
  crl?: { number: number; thisUpdate: number; nextUpdate: number; revocationsSince: number };
  /** The newest request Intune validated: its state (issued, pending, rejected) and refusal note. */
  lastIntune?: { state: string; at: number; note?: string };
}
