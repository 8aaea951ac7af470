// Intune hears every outcome of a request it validated (Microsoft: "notify Intune about errors that
// can occur when processing these SCEP requests", ref-scep-api.md): a failureNotification with an
// hResult per cause (src/intune/failure-causes.ts) when issuing fails, when an approval fails, or
// when an admin rejects the request. Never for a request Intune itself refused, nor for a failure
// of our own Intune calls (the same page: not "for exceptions thrown by the methods of this class").
import type { Config } from "../config";
import { open } from "../crypto/seal";
import { hResultOf, type IntuneFailureCause } from "../intune";
import { EnrollmentFailure, type Refusal } from "./errors";
import type { EnrollDeps, IntunePort } from "./ports";

/** Label of the sealed original CSR kept for a pending Intune request (src/crypto/seal.ts). */
export const PENDING_CSR_LABEL = "pending-intune-csr";

/**
 * The hResult cause of each refusal, should it end a request Intune validated; undefined where
 * Intune has heard or will hear of the outcome otherwise: its own refusals, a certificate withheld
 * until an approval or a successNotification settles it, and a request rejected earlier (Intune was
 * told when it was rejected). A new Refusal kind does not compile until it is given its cause here.
 */
function refusalCause(r: Refusal): IntuneFailureCause | undefined {
  switch (r.kind) {
    case "names-refused":
      return "names";
    case "key-refused":
      return "key";
    case "profile-refused":
      return "profile";
    case "usage-refused":
      return "usage";
    case "ca-expired":
      return "ca-expired";
    case "transaction-conflict":
      return "conflict";
    case "rejected-by-admin":
      return "admin-rejected";
    case "intune-not-validated":
    case "intune-bound":
    case "intune-notification-refused":
    case "withheld":
    case "refused-earlier":
      return undefined;
    case "serial-exhausted":
    case "csr-unreadable":
    case "csr-limit":
    case "csr-signature":
    case "renewal-refused":
    case "challenge-refused":
    case "one-time-challenge-refused":
    case "signer-not-rsa":
    case "unknown-transaction":
    case "unknown-certificate":
    case "unknown-issuer":
    case "crl-unavailable":
    case "unsupported-message-type":
    case "legacy-des":
    case "unsupported-algorithm":
    case "not-issuer-and-serial":
      return "internal";
    default:
      throw new TypeError(`unhandled refusal ${(r satisfies never as { kind: string }).kind}`);
  }
}

/**
 * The cause of a failure after Intune's validation (undefined: nothing to tell, see refusalCause).
 * Durable Object errors carry `retryable` or `overloaded` (Cloudflare's Durable Objects error
 * handling): the CA's database was unreachable. Anything else is unexpected.
 */
export function failureCause(e: unknown): IntuneFailureCause | undefined {
  if (e instanceof EnrollmentFailure) return refusalCause(e.reason);
  if (
    typeof e === "object" &&
    e !== null &&
    (typeof (e as { retryable?: unknown }).retryable === "boolean" || typeof (e as { overloaded?: unknown }).overloaded === "boolean")
  ) {
    return "ca-unavailable";
  }
  return "internal";
}

/** What Intune's admin reads: the safe public text, never a log detail (which may hold names or ids). */
export function failureDescription(e: unknown): string {
  return e instanceof EnrollmentFailure ? e.publicText : "the certificate authority could not issue the certificate";
}

/** Sends the failureNotification. Never throws: the request has failed already, whatever Intune says. */
export async function tellIntuneOfFailure(
  intune: IntunePort,
  input: { transactionId: string; csrDer: Uint8Array; cause: IntuneFailureCause; description: string },
  deps: Pick<EnrollDeps, "runtime">,
): Promise<void> {
  try {
    const ack = await intune.failureNotification({
      transactionId: input.transactionId,
      csrDer: input.csrDer,
      hResult: hResultOf(input.cause),
      errorDescription: input.description,
    });
    deps.runtime.log("intune-failure-notified", { transactionId: input.transactionId, cause: input.cause, ok: ack.ok, code: ack.code });
  } catch (e) {
    deps.runtime.log("intune-failure-notify-error", {
      transactionId: input.transactionId,
      cause: input.cause,
      error: e instanceof Error ? e.name : "unknown",
    });
  }
}

/**
 * Rejects a pending request and, when Intune validated it, tells Intune why with the CSR it
 * validated (read from the sealed copy in the same ledger step that clears it). false when the
 * request was no longer pending (approved or rejected meanwhile): then nothing is sent.
 */
export async function rejectPendingRequest(
  transactionId: string,
  requestKey: string,
  reason: { note: string; cause: IntuneFailureCause; description: string },
  config: Config,
  deps: EnrollDeps,
): Promise<boolean> {
  const rejected = await deps.ledger.rejectPending(transactionId, requestKey, reason.note, deps.runtime.now().getTime());
  if (!rejected) return false;
  if (rejected.challengeKind === "intune" && deps.intune) {
    const original = rejected.sealedCsr ? open(config.ca.caKey, PENDING_CSR_LABEL, rejected.sealedCsr) : undefined;
    await tellIntuneOfFailure(
      deps.intune,
      { transactionId, csrDer: original ?? rejected.csrDer, cause: reason.cause, description: reason.description },
      deps,
    );
  }
  return true;
}
