// SCEP's own attribute OIDs and enumerations (RFC 8894 §3.2.1, IANA "SCEP" registry). Every other
// OID is in src/asn1/oids.ts.

/** SCEP signed attributes (Verisign arc 2.16.840.1.113733.1.9) and failInfoText (id-pkix 24.1). */
export const SCEP_OID = {
  messageType: "2.16.840.1.113733.1.9.2",
  pkiStatus: "2.16.840.1.113733.1.9.3",
  failInfo: "2.16.840.1.113733.1.9.4",
  senderNonce: "2.16.840.1.113733.1.9.5",
  recipientNonce: "2.16.840.1.113733.1.9.6",
  transactionID: "2.16.840.1.113733.1.9.7",
  failInfoText: "1.3.6.1.5.5.7.24.1",
} as const;

/** RFC 8894 §3.2.1.2 messageType values. */
export enum MessageType {
  CertRep = 3,
  RenewalReq = 17,
  PKCSReq = 19,
  CertPoll = 20, // GetCertInitial in older drafts
  GetCert = 21,
  GetCRL = 22,
}

/** RFC 8894 §3.2.1.3 pkiStatus values. */
export enum PkiStatus {
  SUCCESS = 0,
  FAILURE = 2,
  PENDING = 3,
}

/** RFC 8894 §3.2.1.4 failInfo values. */
export enum FailInfo {
  badAlg = 0,
  badMessageCheck = 1,
  badRequest = 2,
  badTime = 3,
  badCertId = 4,
}
