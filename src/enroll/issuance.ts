// The steps every path to a certificate shares (enrollment, Intune, admin approval): sign with a
// fresh serial, record before delivery, wait for an admin where configured, settle a renewal in a
// retired CA's ledger, and answer a request the ledger already knows. The certificate is built in
// the Worker (CPU stays out of the Durable Object); only a committed certificate is returned.
import { caByKeyId } from "../ca/ca-set";
import { CaExpiredError, issueCertificate, type IssuedCertificate } from "../ca/issue";
import { randomSerial } from "../ca/serial";
import { publicationUrls, type Config } from "../config";
import type { CertificateInput, EarlierOutcome, TransactionInput } from "../ledger/types";
import { refusalText } from "./authorization";
import { refuse } from "./errors";
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
/** RFC 5280 §5.3.1 superseded. */
const SUPERSEDED = 4;

function signFor(request: IssueRequest, config: Config, runtime: Runtime, now: Date): CertificateInput {
  let issued: IssuedCertificate;
  const ca = config.cas.current;
  try {
    issued = issueCertificate({
      key: request.key,
      names: request.names,
      profile: request.profile,
      usage: request.usage,
      ca: ca.material,
      serial: randomSerial(runtime.randomBytes),
      now,
      ...publicationUrls(config, ca),
    });
  } catch (e) {
    if (e instanceof CaExpiredError) throw refuse({ kind: "ca-expired", detail: e.message }, { cause: e });
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

/**
 * Signs and hands the certificate to `record` until the ledger takes its serial: a random 126-bit
 * serial that is already taken (the database's primary key says so) is drawn again, a few times.
 */
export async function recordWithFreshSerial<O extends { kind: string }>(
  request: IssueRequest,
  config: Config,
  deps: EnrollDeps,
  delivered: boolean,
  record: (cert: CertificateInput, now: Date) => Promise<O>,
): Promise<{ cert: CertificateInput; outcome: Exclude<O, { kind: "serial-taken" }> }> {
  for (let attempt = 0; attempt < MAX_SERIAL_ATTEMPTS; attempt++) {
    const now = deps.runtime.now();
    const cert = { ...signFor(request, config, deps.runtime, now), delivered };
    const outcome = await record(cert, now);
    if (outcome.kind !== "serial-taken") return { cert, outcome: outcome as Exclude<O, { kind: "serial-taken" }> };
    deps.runtime.log("serial-collision", { serial: cert.serial });
  }
  throw refuse({ kind: "serial-exhausted" });
}

export async function issueAndRecord(
  tx: TransactionInput,
  request: IssueRequest,
  config: Config,
  deps: EnrollDeps,
  options: { delivered: boolean } = { delivered: true },
): Promise<EnrollmentResult> {
  const { ledger, runtime } = deps;
  const { cert, outcome } = await recordWithFreshSerial(request, config, deps, options.delivered, (c, now) =>
    ledger.recordIssuance(tx, c, now.getTime()),
  );
  if (outcome.kind !== "recorded") return answerForRecorded(outcome, tx, config, runtime);
  runtime.log("issued", {
    transactionId: tx.transactionId,
    serial: cert.serial,
    subject: cert.subject,
    challengeKind: tx.challengeKind,
    profile: tx.profile,
    // What the request itself decided (key usage, extended key usage, validity), if anything.
    fromRequest: request.usage.fromRequest.join(",") || undefined,
  });
  if (options.delivered) await settleRenewalElsewhere(tx, cert.serial, config, deps);
  return { kind: "issued", der: cert.der, serial: cert.serial, fresh: true, confirmed: options.delivered };
}

/**
 * Manual approval (APPROVAL_MODE): the request is recorded as pending, or gets what the ledger
 * already holds for it. Only Intune issuances are recorded unconfirmed, so an unconfirmed one here
 * is withheld.
 */
export async function awaitApproval(tx: TransactionInput, config: Config, deps: EnrollDeps): Promise<EnrollmentResult> {
  const { ledger, runtime } = deps;
  const outcome = await ledger.recordPending(tx, runtime.now().getTime());
  if (outcome.kind === "pending") runtime.log("pending", { transactionId: tx.transactionId, subject: tx.subject, challengeKind: tx.challengeKind });
  return delivered(answerForRecorded(outcome, tx, config, runtime), tx);
}

/** A result that may leave the Worker: an unconfirmed certificate is withheld. */
export function delivered(result: EnrollmentResult, tx: Pick<TransactionInput, "transactionId">): EnrollmentResult {
  if (result.kind === "issued" && !result.confirmed) throw refuse({ kind: "withheld", detail: `transaction ${tx.transactionId} unconfirmed` });
  return result;
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
      deps.runtime.log("withheld", {
        transactionId: tx.transactionId,
        serial: newSerial,
        renewalOf: `${ca.keyId}:${r.serial}`,
        reason: status.reason,
      });
      throw refuse({ kind: "renewal-refused", reason: refusalText(status, config) });
    }
  } else if (r.supersede) {
    await other.revoke(r.serial, SUPERSEDED, now);
  }
}

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
      throw refuse({ kind: "transaction-conflict", transactionId: tx.transactionId });
    case "rejected":
      throw refuse({ kind: "refused-earlier", note: outcome.note });
    case "challenge-refused":
      throw refuse({ kind: "one-time-challenge-refused", reason: outcome.reason });
    case "renewal-refused":
      throw refuse({
        kind: "renewal-refused",
        reason: refusalText({ ok: false, reason: outcome.reason }, config),
        detail: `renewal ${tx.renewalOf?.serial ?? ""} ${outcome.reason}`,
      });
    default:
      throw new TypeError(`unhandled ledger outcome ${(outcome satisfies never as { kind: string }).kind}`);
  }
}
