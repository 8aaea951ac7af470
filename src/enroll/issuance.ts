// Sign, then record: the certificate is built in the Worker (CPU stays out of the Durable Object)
// and only a committed certificate is returned. Shared by enrollment and admin approval.
import { caByKeyId } from "../ca/ca-set";
import { CaExpiredError, issueCertificate, type IssuedCertificate } from "../ca/issue";
import { randomSerial } from "../ca/serial";
import { publicationUrls, type Config } from "../config";
import type { CertificateInput, RecordOutcome, TransactionInput } from "../ledger/types";
import { refusalText } from "./authorization";
import { fail } from "./errors";
import type { IssueRequest } from "./issue-request";
import type { EnrollDeps, Runtime } from "./ports";

export interface Issued {
  kind: "issued";
  der: Uint8Array;
  serial: string;
  /** false when the ledger already held a certificate for this request (an idempotent retry). */
  fresh: boolean;
  /** false while the ledger holds it as not yet deliverable (Intune has not acknowledged). */
  confirmed: boolean;
}

export type EnrollmentResult = Issued | { kind: "pending" };

const MAX_SERIAL_ATTEMPTS = 3;
/** RFC 5280 §5.3.1 cessationOfOperation: recorded, then withheld; the certificate was never put into service. */
export const WITHHELD_REASON = 5;

export function signFor(request: IssueRequest, config: Config, runtime: Runtime, now: Date): CertificateInput {
  let issued: IssuedCertificate;
  const ca = config.cas.current;
  try {
    issued = issueCertificate({
      key: request.key,
      names: request.names,
      profile: request.profile,
      ca: ca.material,
      serial: randomSerial(runtime.randomBytes),
      now,
      ...publicationUrls(config, ca),
    });
  } catch (e) {
    if (e instanceof CaExpiredError) throw fail.badRequest("the CA cannot issue: its certificate has expired", e.message);
    throw e;
  }
  return {
    serial: issued.serialHex,
    subject: issued.subjectText,
    sans: request.sansText,
    notBefore: issued.notBefore.getTime(),
    notAfter: issued.notAfter.getTime(),
    sha1: issued.sha1Hex,
    sha256: issued.sha256Hex,
    der: issued.der,
  };
}

export async function issueAndRecord(
  tx: TransactionInput,
  request: IssueRequest,
  config: Config,
  deps: EnrollDeps,
  options: { delivered: boolean } = { delivered: true },
): Promise<EnrollmentResult> {
  const { ledger, runtime } = deps;
  const now = runtime.now();
  for (let attempt = 0; attempt < MAX_SERIAL_ATTEMPTS; attempt++) {
    const cert = { ...signFor(request, config, runtime, now), delivered: options.delivered };
    const outcome = await ledger.recordIssuance(tx, cert, now.getTime());
    switch (outcome.kind) {
      case "recorded":
        runtime.log("issued", { transactionId: tx.transactionId, serial: cert.serial, subject: cert.subject, challengeKind: tx.challengeKind, profile: tx.profile });
        if (options.delivered) await settleRenewalElsewhere(tx, cert.serial, config, deps);
        return { kind: "issued", der: cert.der, serial: cert.serial, fresh: true, confirmed: options.delivered };
      case "serial-taken":
        runtime.log("serial-collision", { serial: cert.serial });
        continue;
      default:
        return answerForRecorded(outcome, tx, config, runtime);
    }
  }
  throw fail.badRequest("could not allocate a unique serial number", "serial collisions exhausted");
}

/**
 * A renewal signed by a retired CA's certificate is recorded in the current CA's ledger, then
 * confirmed in the retired CA's ledger (two objects cannot share a transaction): the renewal takes
 * effect at that confirmation, and a revocation committed before it withdraws the new certificate.
 */
export async function settleRenewalElsewhere(tx: TransactionInput, newSerial: string, config: Config, deps: EnrollDeps): Promise<void> {
  const r = tx.renewalOf;
  const ca = r?.caKeyId ? caByKeyId(config.cas, r.caKeyId) : undefined;
  if (!r || !ca) return;
  const now = deps.runtime.now().getTime();
  const other = deps.ledgerOf(ca);
  if (r.authorises) {
    const status = await other.confirmRenewal(r.serial, r.sha256, now, r.policy, r.supersede);
    if (!status.ok) {
      await deps.ledger.markUndelivered(newSerial, WITHHELD_REASON, now);
      deps.runtime.log("withheld", { transactionId: tx.transactionId, serial: newSerial, renewalOf: `${ca.keyId}:${r.serial}`, reason: status.reason });
      throw fail.badRequest(refusalText(status, config));
    }
  } else if (r.supersede) {
    await other.revoke(r.serial, SUPERSEDED, now);
  }
}

const SUPERSEDED = 4;

type EarlierOutcome = Exclude<RecordOutcome, { kind: "recorded" | "serial-taken" }>;

/** What a request gets when the ledger already holds its transaction (or refuses it). */
export function answerForRecorded(outcome: EarlierOutcome, tx: TransactionInput, config: Config, runtime: Runtime): EnrollmentResult {
  switch (outcome.kind) {
    case "existing":
      runtime.log("retry-served", { transactionId: tx.transactionId, serial: outcome.serial });
      return { kind: "issued", der: outcome.der, serial: outcome.serial, fresh: false, confirmed: true };
    case "unconfirmed":
      return { kind: "issued", der: outcome.der, serial: outcome.serial, fresh: false, confirmed: false };
    case "pending":
      return { kind: "pending" };
    case "conflict":
      throw fail.badRequest("transactionID already used for a different request", `transaction ${tx.transactionId} conflict`);
    case "rejected":
      throw fail.badRequest("the request was refused earlier", outcome.note);
    case "challenge-refused":
      throw fail.badRequest(
        outcome.reason === "san-mismatch" || outcome.reason === "subject-mismatch"
          ? "the one-time challenge was issued for other names"
          : "challenge password missing or not accepted",
        `one-time challenge ${outcome.reason}`,
      );
    case "renewal-refused":
      throw fail.badRequest(refusalText({ ok: false, reason: outcome.reason }, config), `renewal ${tx.renewalOf?.serial ?? ""} ${outcome.reason}`);
    default:
      throw new Error(`unhandled ledger outcome ${(outcome satisfies never as { kind: string }).kind}`);
  }
}
