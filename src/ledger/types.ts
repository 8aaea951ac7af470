// Shapes exchanged with the ledger over Durable Object RPC (structured-clone friendly).

export interface IssuanceRecord {
  serial: string;
  transactionId: string;
  /** '' for a first enrollment; the signer certificate's serial for a renewal. */
  requestKey: string;
  csrSha256: string;
  signerSha256: string;
  subject: string;
  notBefore: number;
  notAfter: number;
  sha1: string;
  sha256: string;
  der: Uint8Array;
  messageType: number;
  challengeKind: string;
  createdAt: number;
}

export type RecordOutcome =
  /** Committed: the certificate may now leave the Worker. */
  | { kind: "recorded" }
  /** The same transaction and CSR were already served: hand back that certificate instead. */
  | { kind: "existing"; der: Uint8Array; serial: string }
  /** The transactionID is bound to a different CSR (RFC 8894 §3.2.1.1). */
  | { kind: "conflict" }
  /** The random serial is taken (astronomically rare): draw another and retry. */
  | { kind: "serial-taken" };

export interface StoredCertificate {
  serial: string;
  transactionId: string;
  requestKey: string;
  csrSha256: string;
  der: Uint8Array;
  status: string;
}
