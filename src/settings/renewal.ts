// Renewal settings (docs/configuration.md): which certificates may renew by their own signature,
// when, and whether the renewed certificate is revoked as superseded.
import type { LineageKind, RenewalPolicy } from "../ledger/types";
import { parseBoolean, parseInteger, parseList, SettingError } from "./primitives";

export interface RenewalSettings {
  policy: RenewalPolicy;
  /** REVOKE_SUPERSEDED: revoke the old certificate (reason superseded) once its successor is delivered. */
  supersede: boolean;
}

const DAY_MS = 86_400_000;

export function parseRenewalSettings(env: {
  RENEWAL_POLICY?: string;
  RENEWAL_GRACE_DAYS?: string;
  RENEWAL_WINDOW_DAYS?: string;
  REVOKE_SUPERSEDED?: string;
}): RenewalSettings {
  const raw = env.RENEWAL_POLICY?.trim().toLowerCase();
  let kinds: LineageKind[];
  if (raw === undefined || raw === "") kinds = ["static", "one-time"];
  else if (raw === "none") kinds = [];
  else {
    kinds = parseList("RENEWAL_POLICY", raw, ["static", "one-time", "intune"] as const);
    // Intune renews by a new request with a fresh challenge (Microsoft's SCEP profiles), so that
    // Intune validates the identity again and its console shows the renewal.
    if (kinds.includes("intune"))
      throw new SettingError("RENEWAL_POLICY", "certificates issued through Intune renew only through Intune; list static and/or one-time, or none");
  }
  const graceDays = parseInteger("RENEWAL_GRACE_DAYS", env.RENEWAL_GRACE_DAYS, 0, 0, 365);
  const windowDays = parseInteger("RENEWAL_WINDOW_DAYS", env.RENEWAL_WINDOW_DAYS, undefined, 1, 3650);
  return {
    policy: { kinds, graceMs: graceDays * DAY_MS, windowMs: windowDays === undefined ? undefined : windowDays * DAY_MS },
    supersede: parseBoolean("REVOKE_SUPERSEDED", env.REVOKE_SUPERSEDED),
  };
}
