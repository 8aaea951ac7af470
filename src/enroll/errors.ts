// The two failure channels (design rule 2). Before a request is verified and decrypted the client
// gets an HTTP 4xx with a short reason; afterwards every refusal is a signed CertRep FAILURE.
import { FailInfo } from "../scep/oids";

/** Refused before authentication: HTTP status + a short, safe text. */
export class RequestRejected extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 413 | 414 | 503,
    readonly publicReason: string,
    /** Detail for logs only (never a secret). */
    readonly logDetail: string = publicReason,
  ) {
    super(publicReason);
  }
}

/** Refused after authentication: becomes CertRep FAILURE with failInfo and failInfoText. */
export class EnrollmentFailure extends Error {
  constructor(
    readonly failInfo: FailInfo,
    /** failInfoText on the wire: generic and safe. */
    readonly publicText: string,
    readonly logDetail: string = publicText,
  ) {
    super(publicText);
  }
}

export const fail = {
  /** A recorded certificate that may not leave (Intune refused it, or its renewal was withdrawn). */
  withheld: (detail: string) => new EnrollmentFailure(FailInfo.badRequest, "the certificate is withheld", detail),
  badRequest: (text: string, detail?: string) => new EnrollmentFailure(FailInfo.badRequest, text, detail),
  badAlg: (text: string, detail?: string) => new EnrollmentFailure(FailInfo.badAlg, text, detail),
  badMessageCheck: (text: string, detail?: string) => new EnrollmentFailure(FailInfo.badMessageCheck, text, detail),
  badCertId: (text: string, detail?: string) => new EnrollmentFailure(FailInfo.badCertId, text, detail),
  badTime: (text: string, detail?: string) => new EnrollmentFailure(FailInfo.badTime, text, detail),
};
