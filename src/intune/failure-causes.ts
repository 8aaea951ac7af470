// Why a request Intune validated did not become a certificate, as the hResult of a
// failureNotification. Microsoft's API page asks for "the Win32 error code that best describes the
// error" (ref-scep-api.md, SendFailureNotification) and shows the value to the Intune admin; every
// code here is a real HRESULT from winerror.h as listed in [MS-ERREF] §2.1.1 (HRESULT values) or,
// for RPC_S_SERVER_UNAVAILABLE, HRESULT_FROM_WIN32 of [MS-ERREF] §2.2 (Win32 error codes). The AD CS
// codes (CERTSRV_E_*) are the ones a Windows CA reports for the same situations. Table with the
// reasons in docs/intune-validation-api.md ("failureNotification").

export type IntuneFailureCause =
  /** An admin rejected the request while it waited for approval (APPROVAL_MODE). */
  | "admin-rejected"
  /** The subject or SANs are refused by the name policy (at approval: the policy changed meanwhile). */
  | "names"
  /** The key does not fit the certificate profile. */
  | "key"
  /** No certificate profile may be used for the request. */
  | "profile"
  /** The request asks for a key usage, extended key usage or validity its profile does not allow. */
  | "usage"
  /** The CA cannot sign: its certificate has expired. */
  | "ca-expired"
  /** The ledger (the CA's database) could not be reached. */
  | "ca-unavailable"
  /** The transactionID is already used for another request. */
  | "conflict"
  /** Anything else: a bug, serial numbers exhausted. */
  | "internal";

const FAILURE_HRESULTS: Readonly<Record<IntuneFailureCause, { hResult: number; name: string }>> = Object.freeze({
  "admin-rejected": { hResult: 0x80094014, name: "CERTSRV_E_ADMIN_DENIED_REQUEST" },
  names: { hResult: 0x80094001, name: "CERTSRV_E_BAD_REQUESTSUBJECT" },
  key: { hResult: 0x80094811, name: "CERTSRV_E_KEY_LENGTH" },
  profile: { hResult: 0x80094800, name: "CERTSRV_E_UNSUPPORTED_CERT_TYPE" },
  // "The permissions on the certificate template do not allow the current user to enroll for this type of certificate."
  usage: { hResult: 0x80094012, name: "CERTSRV_E_TEMPLATE_DENIED" },
  "ca-expired": { hResult: 0x800b0101, name: "CERT_E_EXPIRED" },
  "ca-unavailable": { hResult: 0x800706ba, name: "HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE)" },
  conflict: { hResult: 0x80094003, name: "CERTSRV_E_BAD_REQUESTSTATUS" },
  internal: { hResult: 0x8000ffff, name: "E_UNEXPECTED" },
});

/** The hResult as the JSON number the reference library sends (a signed 32-bit value). */
export function hResultOf(cause: IntuneFailureCause): number {
  return FAILURE_HRESULTS[cause].hResult | 0;
}
