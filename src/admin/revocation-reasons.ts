// Revocation reasons an admin may give (RFC 5280 §5.3.1), by name or code. Checked against an exact
// list of own keys: `"toString" in {}` is true, and such a value once reached storage and broke the
// CRL. The ledger checks the code again where it stores it.
import { REVOCATION_REASON_CODES } from "../ledger/types";
import { AdminError } from "./json";

const REVOCATION_REASONS: Readonly<Record<string, number>> = Object.freeze({
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
});

export function revocationReason(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === "number" && Number.isInteger(value) && REVOCATION_REASON_CODES.has(value)) return value;
  if (typeof value === "string" && Object.hasOwn(REVOCATION_REASONS, value)) return REVOCATION_REASONS[value]!;
  throw new AdminError(400, "bad_reason", `reason must be one of ${Object.keys(REVOCATION_REASONS).join(", ")} (or its code)`);
}
