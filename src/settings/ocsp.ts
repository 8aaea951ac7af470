// OCSP responder settings (docs/ocsp.md, docs/configuration.md): who signs, how long an answer and
// a responder certificate live, how a serial this CA never issued is answered, and how long an
// edge isolate may trust a revocation revision it has read.
import { parseInteger, SettingError } from "./primitives";
import { defaultNumber, defaultText } from "./table";

/** OCSP_NON_ISSUED: how a serial the CA never issued is answered (RFC 6960 §2.2). */
export type NonIssuedMode = "unknown" | "revoked";

/** delegated: a responder certificate the Worker issues and rotates; ca: the CA key signs; off: no /ocsp. */
export type OcspResponderMode = "delegated" | "ca" | "off";

export interface OcspSettings {
  mode: OcspResponderMode;
  /** nextUpdate − thisUpdate of an answer (RFC 6960 §4.2.2.1). */
  validitySeconds: number;
  /** Validity of a delegated responder certificate; a new one is issued when half of it has passed. */
  responderValiditySeconds: number;
  nonIssued: NonIssuedMode;
  /** 0: every cached "good" is checked against the CA's revocation revision; n: an isolate reuses a revision for n s. */
  revisionTtlSeconds: number;
}

const HOUR = 3600;
const DAY = 86_400;

function parseChoice<T extends string>(name: "OCSP_RESPONDER" | "OCSP_NON_ISSUED", value: string | undefined, allowed: readonly T[]): T {
  const v = (value?.trim() || defaultText(name)).toLowerCase();
  if (!(allowed as readonly string[]).includes(v)) throw new SettingError(name, `unknown value (use ${allowed.join(", ")})`);
  return v as T;
}

export function parseOcspSettings(env: {
  OCSP_RESPONDER?: string;
  OCSP_VALIDITY_HOURS?: string;
  OCSP_RESPONDER_DAYS?: string;
  OCSP_NON_ISSUED?: string;
  OCSP_REVISION_TTL_SECONDS?: string;
}): OcspSettings {
  const mode = parseChoice("OCSP_RESPONDER", env.OCSP_RESPONDER, ["delegated", "ca", "off"] as const);
  const validityHours = parseInteger("OCSP_VALIDITY_HOURS", env.OCSP_VALIDITY_HOURS, defaultNumber("OCSP_VALIDITY_HOURS"), 1, 168);
  const responderDays = parseInteger("OCSP_RESPONDER_DAYS", env.OCSP_RESPONDER_DAYS, defaultNumber("OCSP_RESPONDER_DAYS"), 2, 90);
  // An answer must stay verifiable until its nextUpdate, and the responder is replaced at half-life.
  if (mode === "delegated" && responderDays * 24 < 2 * validityHours) {
    throw new SettingError(
      "OCSP_RESPONDER_DAYS",
      "must cover twice OCSP_VALIDITY_HOURS (a responder is replaced at half its life; its answers must stay valid)",
    );
  }
  return {
    mode,
    validitySeconds: validityHours * HOUR,
    responderValiditySeconds: responderDays * DAY,
    nonIssued: parseChoice("OCSP_NON_ISSUED", env.OCSP_NON_ISSUED, ["unknown", "revoked"] as const),
    revisionTtlSeconds: parseInteger("OCSP_REVISION_TTL_SECONDS", env.OCSP_REVISION_TTL_SECONDS, defaultNumber("OCSP_REVISION_TTL_SECONDS"), 0, 300),
  };
}
