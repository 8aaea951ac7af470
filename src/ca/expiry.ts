// How far the certificates this Worker stands on are from their notAfter: the issuing CA, the rest
// of its chain (CA_CERT) and the RA. An expired issuing CA still answers GetCACert, so that an
// operator sees what devices see, but no client will accept what it signs: the admin stats, the
// console and the first request of every isolate say so from EXPIRY_WARNING_DAYS out.
import { nameDerToText } from "../x509/name";
import { parseCertView, type CertView } from "../x509/cert-view";
import type { CaMaterial } from "./ca-material";

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export type ExpiryRole = "ca" | "chain" | "ra";
export type ExpiryState = "ok" | "expiring" | "expired";

export interface ExpiryStatus {
  role: ExpiryRole;
  subject: string;
  /** ms since the epoch */
  notAfter: number;
  /** Whole days left (negative once expired). */
  daysLeft: number;
  state: ExpiryState;
  /** Set unless the state is ok: what it means and what to do. */
  warning?: string;
}

const WHAT: Record<ExpiryRole, string> = {
  ca: "the issuing CA certificate (CA_CERT)",
  chain: "a certificate of the CA chain (CA_CERT)",
  ra: "the RA certificate (RA_CERT)",
};
const REMEDY: Record<ExpiryRole, string> = {
  ca: "re-issue it for the same key or roll over to a new CA (docs/deployment.md, Rolling over the CA)",
  chain: "replace CA_CERT with a chain whose certificates are current",
  ra: "issue a new RA certificate and set RA_CERT and RA_KEY",
};

/** The issuing CA, then the rest of its chain, then the RA: one status each. */
export function expiryOf(ca: CaMaterial, now: number): ExpiryStatus[] {
  const list: ExpiryStatus[] = [status("ca", ca.caCert, now)];
  for (const der of ca.chainDers) list.push(status("chain", parseCertView(der), now));
  if (ca.ra) list.push(status("ra", ca.ra.cert, now));
  return list;
}

function status(role: ExpiryRole, cert: CertView, now: number): ExpiryStatus {
  const notAfter = cert.notAfter.getTime();
  const daysLeft = Math.floor((notAfter - now) / DAY_MS);
  const state: ExpiryState = notAfter <= now ? "expired" : daysLeft < EXPIRY_WARNING_DAYS ? "expiring" : "ok";
  const subject = nameDerToText(cert.subjectDer);
  const date = new Date(notAfter).toISOString();
  const warning =
    state === "expired"
      ? `${WHAT[role]} ${subject} EXPIRED on ${date}: ${role === "ca" ? "GetCACert still serves it, but clients refuse what it signs and enrollment fails; " : ""}${REMEDY[role]}`
      : state === "expiring"
        ? `${WHAT[role]} ${subject} expires in ${daysLeft} days (${date}): ${REMEDY[role]}`
        : undefined;
  return { role, subject, notAfter, daysLeft, state, ...(warning ? { warning } : {}) };
}
