// The two failure channels (design rule 2), each a tagged union of reasons mapped to the wire in
// one exhaustive switch (design rule 3). Before a request is verified and decrypted the client gets
// an HTTP 4xx with a short reason (Rejection); afterwards every refusal is a signed CertRep FAILURE
// with failInfo and failInfoText (Refusal). The wire text is generic and safe; the log detail says
// more, never a secret, token, challenge or key.
import type { ChallengeRefusal } from "../ledger/types";
import { FailInfo } from "../scep/oids";

/** Why a request is refused before it is verified and decrypted: an HTTP status and a short text. */
export type Rejection =
  | { kind: "bad-percent-encoding" }
  | { kind: "missing-operation" }
  | { kind: "unknown-operation" }
  | { kind: "no-next-ca" }
  | { kind: "get-without-message" }
  | { kind: "not-base64" }
  | { kind: "get-too-large" }
  | { kind: "empty-message" }
  | { kind: "post-too-large" }
  | { kind: "empty-body" }
  /** The pkiMessage is malformed or its signature does not verify (RFC 8894 §3.2). */
  | { kind: "unverifiable-message"; detail: string }
  | { kind: "no-envelope" }
  /** Wrong key, bad padding or bad content: deliberately one outcome (no padding oracle). */
  | { kind: "undecryptable-envelope"; detail: string }
  /** OCSP (docs/ocsp.md): anything else is answered with an OCSPResponse, not a 4xx. */
  | { kind: "ocsp-off" }
  | { kind: "ocsp-get-without-request" }
  | { kind: "bad-path-encoding" }
  | { kind: "ocsp-too-large" };

export type RejectionStatus = 400 | 404 | 405 | 413 | 414 | 503;

function rejectionWire(r: Rejection): { status: RejectionStatus; text: string; logDetail?: string } {
  switch (r.kind) {
    case "bad-percent-encoding":
      return { status: 400, text: "query string is not valid percent-encoding" };
    case "missing-operation":
      return { status: 400, text: "missing operation parameter" };
    case "unknown-operation":
      return { status: 400, text: "unknown operation" };
    case "no-next-ca":
      return { status: 404, text: "no next CA certificate is configured" };
    case "get-without-message":
      return { status: 400, text: "PKIOperation over GET needs a message parameter" };
    case "not-base64":
      return { status: 400, text: "message is not base64" };
    case "get-too-large":
      return { status: 414, text: "message too large for GET; use POST" };
    case "empty-message":
      return { status: 400, text: "message is empty" };
    case "post-too-large":
      return { status: 413, text: "pkiMessage too large" };
    case "empty-body":
      return { status: 400, text: "empty request body" };
    case "unverifiable-message":
      return { status: 400, text: "malformed or unverifiable pkiMessage", logDetail: r.detail };
    case "no-envelope":
      return { status: 400, text: "pkiMessage carries no pkcsPKIEnvelope" };
    case "undecryptable-envelope":
      return { status: 400, text: "pkcsPKIEnvelope could not be decrypted", logDetail: r.detail };
    case "ocsp-off":
      return { status: 404, text: "OCSP is off (OCSP_RESPONDER=off)" };
    case "ocsp-get-without-request":
      return { status: 400, text: "GET /ocsp/<base64 of the DER OCSPRequest>, or POST it to /ocsp" };
    case "bad-path-encoding":
      return { status: 400, text: "the request path is not valid percent-encoding" };
    case "ocsp-too-large":
      return { status: 413, text: "OCSP request too large" };
  }
}

/** Refused before authentication: HTTP status + a short, safe text. */
export class RequestRejected extends Error {
  readonly status: RejectionStatus;
  readonly publicReason: string;
  /** Detail for logs only (never a secret). */
  readonly logDetail: string;

  constructor(
    readonly reason: Rejection,
    options?: ErrorOptions,
  ) {
    const wire = rejectionWire(reason);
    super(wire.text, options);
    this.name = "RequestRejected";
    this.status = wire.status;
    this.publicReason = wire.text;
    this.logDetail = wire.logDetail ?? wire.text;
  }
}

/** Why a verified request gets CertRep FAILURE (RFC 8894 §3.3.2.2). */
export type Refusal =
  | { kind: "csr-unreadable"; detail: string }
  /** Past CSR_LIMITS (src/ca/csr.ts): refused while the request's bytes are read. */
  | { kind: "csr-limit"; reason: string }
  /** Proof of possession failed (RFC 2986 §3). */
  | { kind: "csr-signature" }
  /** Key policy (BR §6.1.6) or the profile's key sizes and curves. */
  | { kind: "key-refused"; reason: string }
  /** The name policy or the profile choice, with the policy's own reason. */
  | { kind: "names-refused"; reason: string }
  | { kind: "profile-refused"; reason: string }
  /** The request asks for a key usage, extended key usage or validity its profile does not allow. */
  | { kind: "usage-refused"; reason: string }
  /** A signer of ours that is not (or no longer) a renewal credential; `reason` names why. */
  | { kind: "renewal-refused"; reason: string; detail?: string }
  | { kind: "challenge-refused"; renewalRefusal?: string; detail: string }
  | { kind: "one-time-challenge-refused"; reason: ChallengeRefusal }
  | { kind: "intune-not-validated"; code: string }
  /** The bound on validateRequest calls (per client IP or in all) is reached: no call is made. */
  | { kind: "intune-bound"; scope: "client" | "all" }
  | { kind: "intune-notification-refused"; code: string }
  /** A recorded certificate that may not leave (Intune refused it, or its renewal was withdrawn). */
  | { kind: "withheld"; detail: string }
  | { kind: "ca-expired"; detail: string }
  | { kind: "serial-exhausted" }
  | { kind: "transaction-conflict"; transactionId: string }
  | { kind: "refused-earlier"; note: string }
  | { kind: "rejected-by-admin"; note?: string }
  | { kind: "signer-not-rsa" }
  | { kind: "unknown-transaction"; transactionId: string }
  | { kind: "unknown-certificate"; serial: string }
  | { kind: "unknown-issuer"; serial: string }
  | { kind: "crl-unavailable"; detail: string }
  | { kind: "unsupported-message-type"; messageType: number }
  /** RFC 8894 §3.5.2 forbids single DES. */
  | { kind: "legacy-des" }
  | { kind: "unsupported-algorithm"; detail: string }
  | { kind: "not-issuer-and-serial" };

function refusalWire(r: Refusal): { failInfo: FailInfo; text: string; logDetail?: string } {
  switch (r.kind) {
    case "csr-unreadable":
      return { failInfo: FailInfo.badRequest, text: "the certificate request could not be parsed", logDetail: r.detail };
    case "csr-limit":
      return { failInfo: FailInfo.badRequest, text: `the certificate request is too large: ${r.reason}` };
    case "csr-signature":
      return { failInfo: FailInfo.badMessageCheck, text: "the certificate request signature does not verify" };
    case "key-refused":
      return { failInfo: FailInfo.badRequest, text: `key refused: ${r.reason}` };
    case "names-refused":
    case "profile-refused":
    case "usage-refused":
      return { failInfo: FailInfo.badRequest, text: r.reason };
    case "renewal-refused":
      return { failInfo: FailInfo.badRequest, text: r.reason, logDetail: r.detail };
    case "challenge-refused":
      return {
        failInfo: FailInfo.badRequest,
        text: r.renewalRefusal ? `${r.renewalRefusal}; and the challenge password was not accepted` : "challenge password missing or not accepted",
        logDetail: r.detail,
      };
    case "one-time-challenge-refused":
      return {
        failInfo: FailInfo.badRequest,
        text:
          r.reason === "san-mismatch" || r.reason === "subject-mismatch"
            ? "the one-time challenge was issued for other names"
            : "challenge password missing or not accepted",
        logDetail: `one-time challenge ${r.reason}`,
      };
    case "intune-not-validated":
      return { failInfo: FailInfo.badRequest, text: `Intune did not validate the request: ${r.code}`, logDetail: `intune validate ${r.code}` };
    case "intune-bound":
      return {
        failInfo: FailInfo.badRequest,
        text: "too many requests to validate with Intune right now; try again later",
        logDetail: `intune validateRequest bound (${r.scope === "all" ? "all clients" : "this client"}) reached: not called`,
      };
    case "intune-notification-refused":
      return {
        failInfo: FailInfo.badRequest,
        text: `Intune did not accept the issuance notification: ${r.code}`,
        logDetail: `intune successNotification ${r.code}`,
      };
    case "withheld":
      return { failInfo: FailInfo.badRequest, text: "the certificate is withheld", logDetail: r.detail };
    case "ca-expired":
      return { failInfo: FailInfo.badRequest, text: "the CA cannot issue: its certificate has expired", logDetail: r.detail };
    case "serial-exhausted":
      return { failInfo: FailInfo.badRequest, text: "could not allocate a unique serial number", logDetail: "serial collisions exhausted" };
    case "transaction-conflict":
      return {
        failInfo: FailInfo.badRequest,
        text: "transactionID already used for a different request",
        logDetail: `transaction ${r.transactionId} conflict`,
      };
    case "refused-earlier":
      return { failInfo: FailInfo.badRequest, text: "the request was refused earlier", logDetail: r.note };
    case "rejected-by-admin":
      return { failInfo: FailInfo.badRequest, text: "the request was rejected by an administrator", logDetail: r.note };
    case "signer-not-rsa":
      return { failInfo: FailInfo.badAlg, text: "the reply can only be encrypted to an RSA signer certificate" };
    case "unknown-transaction":
      return { failInfo: FailInfo.badCertId, text: "no request with this transactionID", logDetail: `poll for unknown ${r.transactionId}` };
    case "unknown-certificate":
      return { failInfo: FailInfo.badCertId, text: "no certificate with this serial number", logDetail: `GetCert ${r.serial}` };
    case "unknown-issuer":
      return { failInfo: FailInfo.badCertId, text: "the named issuer is not this CA", logDetail: `GetCRL ${r.serial}` };
    case "crl-unavailable":
      return { failInfo: FailInfo.badRequest, text: "the CRL is not available right now; try again later", logDetail: r.detail };
    case "unsupported-message-type":
      return { failInfo: FailInfo.badRequest, text: `unsupported messageType ${r.messageType}` };
    case "legacy-des":
      return { failInfo: FailInfo.badAlg, text: "single DES is not accepted (RFC 8894 §3.5.2): use AES or 3DES" };
    case "unsupported-algorithm":
      return { failInfo: FailInfo.badAlg, text: "unsupported content or key-transport algorithm", logDetail: r.detail };
    case "not-issuer-and-serial":
      return { failInfo: FailInfo.badRequest, text: "messageData is not an IssuerAndSerialNumber" };
  }
}

/**
 * Whether a refusal means the request never proved it may have a certificate: a wrong, expired or
 * missing challenge, a renewal signature that is no longer a credential, Intune's "no", a CSR
 * that failed before any credential was looked at, an unauthenticated lookup that found nothing.
 * These are counted per client IP (src/http/abuse-guard.ts) and refused with 429 past the limit;
 * a refusal of an authenticated request (names, profile, the CA's own state) never is. A new
 * Refusal kind does not compile until it is placed here.
 */
export function failedAuthentication(r: Refusal): boolean {
  switch (r.kind) {
    case "csr-unreadable":
    case "csr-limit":
    case "csr-signature":
    case "key-refused":
    case "renewal-refused":
    case "challenge-refused":
    case "one-time-challenge-refused":
    case "intune-not-validated":
    case "signer-not-rsa":
    case "unknown-transaction":
    case "unknown-certificate":
    case "unknown-issuer":
    case "not-issuer-and-serial":
    case "unsupported-message-type":
      return true;
    case "names-refused":
    case "profile-refused":
    case "usage-refused":
    case "intune-bound":
    case "intune-notification-refused":
    case "withheld":
    case "ca-expired":
    case "serial-exhausted":
    case "transaction-conflict":
    case "refused-earlier":
    case "rejected-by-admin":
    case "crl-unavailable":
    case "legacy-des":
    case "unsupported-algorithm":
      return false;
    default:
      throw new TypeError(`unhandled refusal ${(r satisfies never as { kind: string }).kind}`);
  }
}

/** Refused after authentication: becomes CertRep FAILURE with failInfo and failInfoText. */
export class EnrollmentFailure extends Error {
  readonly failInfo: FailInfo;
  /** failInfoText on the wire: generic and safe. */
  readonly publicText: string;
  readonly logDetail: string;

  constructor(
    readonly reason: Refusal,
    options?: ErrorOptions,
  ) {
    const wire = refusalWire(reason);
    super(wire.text, options);
    this.name = "EnrollmentFailure";
    this.failInfo = wire.failInfo;
    this.publicText = wire.text;
    this.logDetail = wire.logDetail ?? wire.text;
  }
}

/** Shorthand for `throw refuse({ kind: … })`. */
export function refuse(reason: Refusal, options?: ErrorOptions): EnrollmentFailure {
  return new EnrollmentFailure(reason, options);
}

export function reject(reason: Rejection, options?: ErrorOptions): RequestRejected {
  return new RequestRejected(reason, options);
}
