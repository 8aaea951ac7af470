// What will be issued for a request: its names after the name policy (parsed and re-encoded,
// never copied as bytes: design rule 7), the certificate profile for its kind and path, and what of
// the request's key usage, extended key usage and validity that profile honours.
import type { ParsedCsr } from "../ca/csr";
import type { IssuedNames } from "../ca/issue";
import { checkRequestedNames, type CheckedNames } from "../ca/name-policy";
import { profileKeyRefusal, selectProfile, type CertificateProfile, type ProfileKind } from "../ca/profiles";
import { honoursRequest, usageFor, type IssuedUsage } from "../ca/requested-usage";
import type { Config } from "../config";
import { generalNameKey, type GeneralName } from "../x509/general-names";
import { encodeSidExtension } from "../x509/sid-extension";
import { refuse } from "./errors";

export interface IssueRequest {
  key: { spkiDer: Uint8Array; algorithm: "rsa" | "ec" | "other" };
  names: IssuedNames;
  checked: CheckedNames;
  profile: CertificateProfile;
  usage: IssuedUsage;
  /** Canonical SAN texts, sorted and joined by ", ": what the ledger shows and one-time challenges bind. */
  sansText: string;
}

export interface IssueContext {
  /** The lineage kind the request is issued under (a renewal keeps its predecessor's). */
  kind: ProfileKind;
  /** Intune validated the request (or will, before anything is issued). */
  intuneValidated: boolean;
  /** /scep/<profile> of the request, when that names a configured profile. */
  pathProfile?: string;
  /** A profile to keep: the one a renewed certificate was issued under, or an approved request's. */
  keepProfile?: string;
}

export function issueRequestFor(csr: ParsedCsr, config: Config, context: IssueContext): IssueRequest {
  const check = checkRequestedNames(
    {
      subjectDer: csr.subjectDer,
      subjectAltNameDer: csr.subjectAltNameDer,
      subjectAltNameCritical: csr.subjectAltNameCritical,
      sidExtensionDer: csr.sidExtensionDer,
      duplicateExtension: csr.duplicateExtension,
    },
    config.namePolicy,
    { intuneValidated: context.intuneValidated },
  );
  if (!check.ok) throw refuse({ kind: "names-refused", reason: check.reason });
  const chosen = selectProfile(config.profiles, { kind: context.kind, pathProfile: context.pathProfile, renewalOf: context.keepProfile });
  if ("refusal" in chosen) throw refuse({ kind: "profile-refused", reason: chosen.refusal });
  const keyRefusal = profileKeyRefusal(chosen.profile, csr.key);
  if (keyRefusal) throw refuse({ kind: "key-refused", reason: keyRefusal });
  // The key policy admits RSA and EC keys only (src/ca/csr.ts checkKeyPolicy).
  const algorithm = csr.key.algorithm === "ec" ? "ec" : "rsa";
  const honour = honoursRequest(chosen.profile, { intuneValidated: context.intuneValidated });
  const usage = usageFor(chosen.profile, { extensions: csr.requestedExtensions, nameValuePairs: csr.nameValuePairs, algorithm }, honour);
  if (!usage.ok) throw refuse({ kind: "usage-refused", reason: usage.reason });
  const n = check.names;
  return {
    key: { spkiDer: csr.spkiDer, algorithm: csr.key.algorithm },
    names: {
      subjectDer: n.subjectDer,
      subjectText: n.subjectText,
      subjectAltNameDer: n.subjectAltNameDer,
      subjectAltNameCritical: n.subjectAltNameCritical,
      sidExtensionDer: n.sid ? encodeSidExtension(n.sid) : undefined,
    },
    checked: n,
    profile: chosen.profile,
    usage: usage.usage,
    sansText: canonicalSans(n),
  };
}

/** SAN texts, domains lower-cased, in a fixed order: equal sets compare equal as text. */
export function canonicalSans(names: { sans: readonly GeneralName[] }): string {
  return names.sans.map(generalNameKey).sort().join(", ");
}
