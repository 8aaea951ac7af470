// Renewal credentials (design rule 7): a certificate authorises a renewal only while the ledger
// holds it as delivered, unrevoked and inside its validity (plus RENEWAL_GRACE_DAYS, within
// RENEWAL_WINDOW_DAYS), and only when its lineage may renew by signature (RENEWAL_POLICY). The
// check runs inside the storage transaction that records the new certificate, so a revocation and
// a renewal are ordered: whichever commits first wins.
import { revokeCertificate, SUPERSEDED } from "./certificate-store";
import type { LineageKind, RenewalPolicy, RenewalStatus } from "./types";

interface RenewalRow extends Record<string, SqlStorageValue> {
  sha256: string;
  status: string;
  delivered: number;
  not_before: number;
  not_after: number;
  lineage: string;
  profile: string;
  revocation_reason: number | null;
}

export function renewalStatus(sql: SqlStorage, serial: string, sha256: string, now: number, policy: RenewalPolicy): RenewalStatus {
  const row = sql
    .exec<RenewalRow>(
      "SELECT sha256, status, delivered, not_before, not_after, lineage, profile, revocation_reason FROM certificates WHERE serial = ?",
      serial,
    )
    .toArray()[0];
  // A certificate signed with the CA key but not recorded here (made outside the Worker) is no credential.
  if (!row || row.sha256 !== sha256.toUpperCase()) return { ok: false, reason: "unknown" };
  const known = { lineage: row.lineage as LineageKind, profile: row.profile, notAfter: row.not_after };
  if (row.delivered !== 1) return { ok: false, reason: "not-delivered", ...known };
  if (row.status === "revoked") return { ok: false, reason: "revoked", revocationReason: row.revocation_reason ?? 0, ...known };
  if (now < row.not_before) return { ok: false, reason: "not-yet-valid", ...known };
  if (now > row.not_after + policy.graceMs) return { ok: false, reason: "expired", ...known };
  if (policy.windowMs !== undefined && now < row.not_after - policy.windowMs) return { ok: false, reason: "outside-window", ...known };
  if (!policy.kinds.includes(known.lineage)) return { ok: false, reason: "lineage", ...known };
  return { ok: true, ...known };
}

/**
 * For a renewal recorded in another CA's ledger (CA rollover): checks again, after the new
 * certificate was recorded, that the old one still authorises it, and supersedes it when asked.
 * The renewal takes effect at this check: a revocation committed before it refuses the renewal.
 */
export function confirmRenewal(
  sql: SqlStorage,
  serial: string,
  sha256: string,
  now: number,
  policy: RenewalPolicy,
  supersede: boolean,
): RenewalStatus {
  const status = renewalStatus(sql, serial, sha256, now, policy);
  if (status.ok && supersede) revokeCertificate(sql, serial, SUPERSEDED, now);
  return status;
}

/** The same-ledger case, inside recordIssuance / completeApproval. */
export function supersede(sql: SqlStorage, serial: string, now: number): void {
  revokeCertificate(sql, serial, SUPERSEDED, now);
}
