// Who may have this certificate: a renewal credential (a certificate this CA issued signed the
// request) or a challenge. Renewal is recognised by the signer, not by messageType (RFC 8894
// §3.3.1.2): scepclient sends RenewalReq (17) signed by its certificate, certmonger and macOS send
// PKCSReq (19) signed by the previous one. A signer counts only while the ledger of the CA that
// issued it says so (design rule 7); a signer that is ours but no longer a credential gets a reason,
// unless the request also carries a challenge, which then decides like for any new enrollment.
import { createHash } from "node:crypto";
import { issuerOf, type IssuingCa } from "../ca/ca-set";
import { verifyCsrSignature, type ParsedCsr } from "../ca/csr";
import { describeIdentityChange } from "../ca/name-policy";
import { serialToHex } from "../ca/serial";
import { routeChallenge } from "../challenge/select";
import type { Config } from "../config";
import type { LineageKind, RenewalStatus } from "../ledger/types";
import { bytesToHex } from "../util/bytes";
import type { CertView } from "../x509/cert-view";
import { certificateExtension } from "../x509/cert-extensions";
import { parseGeneralNames, type GeneralName } from "../x509/general-names";
import { nameToText, parseName, type RelativeName } from "../x509/name";
import { parseSidExtension, SID_EXTENSION_OID } from "../x509/sid-extension";
import { OID } from "../asn1/oids";
import { refuse } from "./errors";
import type { EnrollDeps } from "./ports";

/** A certificate of ours that signed the request. */
export interface SignerCertificate {
  ca: IssuingCa;
  serial: string;
  /** Uppercase hex SHA-256 of its DER. */
  sha256: string;
  lineage: LineageKind;
  profile: string;
}

export type Authorization =
  | { kind: "renewal"; credential: SignerCertificate }
  /** `predecessor`: a live certificate of ours with the same identity signed the request: it is being replaced. */
  | { kind: "static"; predecessor?: SignerCertificate }
  | { kind: "one-time"; challengeSha256: string; predecessor?: SignerCertificate }
  | { kind: "intune"; predecessor?: SignerCertificate };

export interface Identity {
  subject: RelativeName[];
  sans: GeneralName[];
  /** Microsoft's SID extension (KB5014754), when present. */
  sid?: string;
}

export async function authorize(signer: CertView, signerDer: Uint8Array, csr: ParsedCsr, config: Config, deps: EnrollDeps): Promise<Authorization> {
  const signerCa = issuerOf(signer, config.cas);
  let renewalRefusal: string | undefined;
  let predecessor: SignerCertificate | undefined;
  if (signerCa) {
    requirePossession(csr);
    const serial = serialToHex(signer.serial);
    const sha256 = bytesToHex(new Uint8Array(createHash("sha256").update(signerDer).digest()), true);
    const status = await deps.ledgerOf(signerCa).renewalStatus(serial, sha256, deps.runtime.now().getTime(), config.renewal.policy);
    const change = identityChange(signer, csr);
    const known = status.lineage ? { ca: signerCa, serial, sha256, lineage: status.lineage, profile: status.profile ?? "default" } : undefined;
    if (status.ok && !change && known) return { kind: "renewal", credential: known };
    renewalRefusal = status.ok ? `a renewal must keep the identity of the signing certificate: ${change}` : refusalText(status, config);
    // Still live and the same identity: a challenge-authorised request replaces it (REVOKE_SUPERSEDED).
    const live = status.ok || status.reason === "lineage" || status.reason === "outside-window";
    if (live && !change && known) predecessor = known;
    if (csr.challengePassword === undefined)
      throw refuse({ kind: "renewal-refused", reason: renewalRefusal, detail: `renewal by ${signerCa.keyId}:${serial} refused` });
  }
  const route = routeChallenge(csr.challengePassword, config.challengeModes, config.staticChallenge);
  if (route.kind === "refused") throw refuse({ kind: "challenge-refused", renewalRefusal, detail: route.detail });
  // Before a one-time challenge is looked up in the ledger or an Intune challenge sent to Intune.
  requirePossession(csr);
  switch (route.kind) {
    case "one-time":
      return { kind: "one-time", challengeSha256: route.sha256, predecessor };
    case "static":
    case "intune":
      return { kind: route.kind, predecessor };
  }
}

/** Proof of possession (RFC 2986 §3): the CSR's signature under its own key, checked once. */
const possessionChecked = new WeakSet<ParsedCsr>();
function requirePossession(csr: ParsedCsr): void {
  if (possessionChecked.has(csr)) return;
  if (!verifyCsrSignature(csr)) throw refuse({ kind: "csr-signature" });
  possessionChecked.add(csr);
}

/** The names a certificate carries (subject, subjectAltName, SID extension). */
function certificateIdentity(certDer: Uint8Array, subjectDer: Uint8Array): Identity {
  const san = certificateExtension(certDer, OID.subjectAltName);
  const sid = certificateExtension(certDer, SID_EXTENSION_OID);
  return { subject: parseName(subjectDer), sans: san ? parseGeneralNames(san.value) : [], sid: sid ? parseSidExtension(sid.value) : undefined };
}

/** How the request's names differ from the signer's, or undefined when they are the same. */
function identityChange(signer: CertView, csr: ParsedCsr): string | undefined {
  let old: Identity;
  try {
    old = certificateIdentity(signer.der, signer.subjectDer);
  } catch {
    return "the signing certificate's names could not be read";
  }
  let requested: Identity;
  try {
    requested = {
      subject: parseName(csr.subjectDer),
      sans: csr.subjectAltNameDer ? parseGeneralNames(csr.subjectAltNameDer) : [],
      sid: csr.sidExtensionDer ? parseSidExtension(csr.sidExtensionDer) : undefined,
    };
  } catch {
    return "the request's names could not be read";
  }
  return describeIdentityChange(old, { ...requested, subjectText: nameToText(requested.subject) });
}

export function refusalText(status: Extract<RenewalStatus, { ok: false }>, config: Config): string {
  switch (status.reason) {
    case "unknown":
      return "the signing certificate is not in this CA's records";
    case "not-delivered":
      return "the signing certificate was withheld and never delivered";
    case "revoked":
      return "the signing certificate is revoked";
    case "expired":
      return "the signing certificate has expired";
    case "not-yet-valid":
      return "the signing certificate is not valid yet";
    case "outside-window": {
      const days = Math.round((config.renewal.policy.windowMs ?? 0) / 86_400_000);
      return `the signing certificate may renew only in the last ${days} days of its validity`;
    }
    case "lineage":
      // Intune validates every issuance (a new key pair and a fresh challenge, per its SCEP profiles).
      return status.lineage === "intune"
        ? "certificates issued through Intune renew only through Intune: the request needs a fresh Intune challenge"
        : `certificates issued with a ${status.lineage ?? "different"} challenge do not renew by signature here: the request needs a challenge`;
  }
}
