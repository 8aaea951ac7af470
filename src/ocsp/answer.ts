// The responder's decisions, apart from storage and signing keys: which CA a request is for, what
// each ledger record means on the wire, and the validity window of an answer (RFC 6960 §2.2, §2.3,
// §4.2.2.1). Refusals cost no signature: they are constant responses (ocspErrorResponse).
import type { NonIssuedMode } from "../settings/ocsp";
import { namesIssuer, type IssuerHashes } from "./cert-id";
import { parseOcspRequest, OcspRequestError, type OcspRequest } from "./request";
import { buildOcspResponse, NON_ISSUED_REVOKED, OcspStatus, type CertStatus, type OcspErrorStatus, type ResponseSigner } from "./response";

export type Resolution<T> = { kind: "refused"; status: OcspErrorStatus; reason: string } | { kind: "ok"; issuer: T; request: OcspRequest };

/**
 * Parses the request and finds the one CA that every CertID names. A CertID of a CA this Worker
 * does not serve gets `unauthorized` (§2.3; RFC 5019 §2.2.3). So does a request naming two of our
 * CAs at once: one BasicOCSPResponse has one signer, and a delegated responder may only answer for
 * the CA that issued its certificate (§4.2.2.2).
 */
export function resolveRequest<T extends { hashes: IssuerHashes }>(der: Uint8Array, issuers: readonly T[]): Resolution<T> {
  let request: OcspRequest;
  try {
    request = parseOcspRequest(der);
  } catch (e) {
    if (e instanceof OcspRequestError) return { kind: "refused", status: OcspStatus.malformedRequest, reason: e.message };
    throw e;
  }
  let issuer: T | undefined;
  for (const certId of request.certIds) {
    const match = issuers.find((candidate) => namesIssuer(certId, candidate.hashes));
    if (!match) return { kind: "refused", status: OcspStatus.unauthorized, reason: "a CertID names a CA this responder does not serve" };
    if (issuer && issuer !== match) return { kind: "refused", status: OcspStatus.unauthorized, reason: "CertIDs of two CAs in one request" };
    issuer = match;
  }
  return { kind: "ok", issuer: issuer!, request };
}

/** A certificate's state as its CA's ledger holds it; `unknown`: the ledger never recorded that serial. */
export type LedgerStatus = { status: "valid" } | { status: "revoked"; revokedAt: number; reason: number } | { status: "unknown" };

/**
 * good, revoked (time and reason), or for a serial this CA never issued either unknown or, with
 * OCSP_NON_ISSUED=revoked, the §2.2 form (revoked, 1970-01-01, certificateHold). "good" only ever
 * comes from a ledger record: §2.2 allows good for a serial never issued, this responder never says it.
 */
export function certStatusOf(entry: LedgerStatus, nonIssued: NonIssuedMode): CertStatus {
  switch (entry.status) {
    case "valid":
      return { kind: "good" };
    case "revoked":
      return { kind: "revoked", revokedAt: new Date(entry.revokedAt), reason: entry.reason };
    case "unknown":
      return nonIssued === "revoked" ? NON_ISSUED_REVOKED : { kind: "unknown" };
  }
}

export function isNonIssuedRevoked(status: CertStatus): boolean {
  return status === NON_ISSUED_REVOKED;
}

/**
 * thisUpdate is now (whole seconds); nextUpdate is thisUpdate + the configured validity, but never
 * after the signer's certificate expires: an answer must stay verifiable until its nextUpdate.
 */
export function answerWindow(now: Date, validitySeconds: number, signerNotAfter?: Date): { thisUpdate: Date; nextUpdate: Date } {
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  let next = thisUpdate.getTime() + validitySeconds * 1000;
  if (signerNotAfter && signerNotAfter.getTime() < next) next = Math.floor(signerNotAfter.getTime() / 1000) * 1000;
  return { thisUpdate, nextUpdate: new Date(Math.max(next, thisUpdate.getTime())) };
}

export interface SignedAnswer {
  der: Uint8Array;
  statuses: CertStatus[];
  thisUpdate: Date;
  nextUpdate: Date;
}

/** Signs the answer to a resolved request from the ledger's entries (a serial it lacks is unknown). */
export function signAnswer(
  request: OcspRequest,
  entries: Readonly<Record<string, LedgerStatus>>,
  signer: { signer: ResponseSigner; notAfter: Date },
  settings: { validitySeconds: number; nonIssued: NonIssuedMode },
  now: Date,
): SignedAnswer {
  const statuses = request.certIds.map((id) => certStatusOf(entries[id.serialHex] ?? { status: "unknown" }, settings.nonIssued));
  const window = answerWindow(now, settings.validitySeconds, signer.notAfter);
  const der = buildOcspResponse({
    answers: request.certIds.map((certId, i) => ({ certId, status: statuses[i]! })),
    producedAt: now,
    ...window,
    signer: signer.signer,
    nonce: request.nonce,
    extendedRevoke: statuses.some(isNonIssuedRevoked),
  });
  return { der, statuses, ...window };
}
