// PKCSReq (19) and RenewalReq (17), as one linear pipeline: CSR checks (cheap, on bytes) ->
// authorisation (a renewal credential or a challenge; proof of possession before either is looked
// up) -> names and profile -> Intune or manual
// approval where configured -> issuance and the ledger record that commits before delivery.
import { checkKeyPolicy, CsrError, CsrLimitError, parseCsr, type KnownKey, type ParsedCsr } from "../ca/csr";
import { stripChallengePassword } from "../x509/csr-redaction";
import type { Config } from "../config";
import type { LineageKind, TransactionInput } from "../ledger/types";
import type { PkiMessage } from "../scep/pki-message";
import { digestHex } from "../crypto/digest";
import { authorize, type Authorization } from "./authorization";
import { EnrollmentFailure, refuse } from "./errors";
import { enrollWithIntune, refuseValidated } from "./intune-enrollment";
import { issueRequestFor, type IssueRequest } from "./issue-request";
import { awaitApproval, delivered, issueAndRecord, type EnrollmentResult } from "./issuance";
import type { EnrollDeps } from "./ports";

export type { EnrollmentResult };

/** Where the request came in: /scep/<profile> selects a configured profile. */
export interface EnrollmentRoute {
  pathProfile?: string;
}

export async function enroll(
  message: PkiMessage,
  csrDer: Uint8Array,
  config: Config,
  deps: EnrollDeps,
  route: EnrollmentRoute = {},
): Promise<EnrollmentResult> {
  const csr = checkedCsr(csrDer, message.signer);
  const auth = await authorize(message.signer, message.signerCertDer, csr, config, deps);
  const lineage: LineageKind = auth.kind === "renewal" ? auth.credential.lineage : auth.kind;
  let request: IssueRequest;
  try {
    request = issueRequestFor(csr, config, {
      kind: lineage,
      intuneValidated: auth.kind === "intune",
      pathProfile: route.pathProfile,
      keepProfile: auth.kind === "renewal" ? auth.credential.profile : undefined,
    });
  } catch (e) {
    // The Intune console shows why a device got no certificate only if Intune hears it, and Intune
    // hears of requests it validated: validate first, then tell it (src/enroll/intune-enrollment.ts).
    if (auth.kind === "intune" && deps.intune && e instanceof EnrollmentFailure)
      await refuseValidated(message.transactionId, csr, e, deps, deps.intune);
    throw e;
  }
  const tx = transactionFor(message, csr, auth, lineage, request, config);

  // Intune validates before anything is issued and is told before anything is delivered.
  if (auth.kind === "intune") {
    if (!deps.intune) throw new TypeError("CHALLENGE_MODE includes intune but no Intune client is wired");
    return enrollWithIntune(tx, csr, request, config, deps, deps.intune);
  }
  if (config.manualApproval.has(tx.challengeKind)) return awaitApproval(tx, config, deps);
  return delivered(await issueAndRecord(tx, request, config, deps), tx);
}

function transactionFor(
  message: PkiMessage,
  csr: ParsedCsr,
  auth: Authorization,
  lineage: LineageKind,
  request: IssueRequest,
  config: Config,
): TransactionInput {
  // No challenge at rest: the ledger keeps the CSR without its challengePassword (docs/security.md),
  // and the request's identity for retries is the hash of that redacted CSR.
  const stored = stripChallengePassword(csr.der) ?? csr.der;
  const signed = auth.kind === "renewal" ? auth.credential : auth.predecessor;
  const otherCa = signed && !signed.ca.current ? signed.ca.keyId : undefined;
  return {
    transactionId: message.transactionId,
    // scepclient's RenewalReq reuses its first transactionID and CSR: the signer keeps it a new request.
    requestKey: auth.kind === "renewal" ? (otherCa ? `${otherCa}:${auth.credential.serial}` : auth.credential.serial) : "",
    csrSha256: sha256Hex(stored),
    csrDer: stored,
    signerSha256: sha256Hex(message.signerCertDer),
    subject: request.names.subjectText,
    messageType: message.messageType,
    challengeKind: auth.kind,
    lineage,
    profile: request.profile.name,
    sans: request.sansText,
    oneTimeChallengeSha256: auth.kind === "one-time" ? auth.challengeSha256 : undefined,
    renewalOf: signed
      ? {
          serial: signed.serial,
          sha256: signed.sha256,
          caKeyId: otherCa,
          authorises: auth.kind === "renewal",
          policy: config.renewal.policy,
          supersede: config.renewal.supersede,
        }
      : undefined,
  };
}

function sha256Hex(data: Uint8Array): string {
  return digestHex("sha256", data);
}

/**
 * Parsing under CSR_LIMITS and the key checks that hold whatever the profile: all on bytes and
 * key sizes. Proof of possession (a signature verification) waits until a credential is about
 * to be looked at (authorization.ts): a wrong static challenge never pays for it.
 */
function checkedCsr(der: Uint8Array, signer: KnownKey): ParsedCsr {
  let csr: ParsedCsr;
  try {
    csr = parseCsr(der, signer);
  } catch (e) {
    if (e instanceof CsrLimitError) throw refuse({ kind: "csr-limit", reason: e.reason }, { cause: e });
    if (e instanceof CsrError) throw refuse({ kind: "csr-unreadable", detail: e.reason }, { cause: e });
    throw e;
  }
  const refusal = checkKeyPolicy(csr.key);
  if (refusal) throw refuse({ kind: "key-refused", reason: refusal });
  return csr;
}
