// The fake's validateRequest decision, in the order of section (e) 3: decode, challengePassword,
// challenge lookup, tenant, time, targeting, subject, SANs, key usage, key length, EKU, signature;
// and the validity Windows and Android carry, a check of the fake's own (ValidityPeriodMismatch).
import { inspectCsr, normalizeSubject } from "./csr-inspect";
import type { ChallengeOptions } from "./fake-types";

export interface MintedChallenge extends ChallengeOptions {
  tenantId: string;
  notBefore: Date;
  notAfter: Date;
  targeted: boolean;
}

export interface Verdict {
  code: string;
  description: string;
  challenge?: string;
}

export async function judge(
  csrDer: Uint8Array | undefined,
  lookup: (challenge: string) => MintedChallenge | undefined,
  tokenTenant: string,
  now: number,
  unknownChallengeCode: string,
): Promise<Verdict> {
  const csr = csrDer ? await inspectCsr(csrDer) : undefined;
  if (!csr) return { code: "CertificateRequestDecodingFailed", description: "Failed to decode the certificate request." };
  if (csr.challengePassword === undefined) return { code: "ChallengePasswordMissing", description: "The CSR carries no challenge password." };
  const c = lookup(csr.challengePassword);
  if (!c) return { code: unknownChallengeCode, description: "Failed to decrypt the challenge." };
  const fail = (code: string, description: string): Verdict => ({ code, description, challenge: csr.challengePassword });
  if (c.forceCode) return fail(c.forceCode, `Forced by the fake: ${c.forceCode}`);
  if (c.tenantId.toLowerCase() !== tokenTenant.toLowerCase()) {
    return fail("BadTenantIdInChallenge", "The tenantId in challenge does not match tenantId from security token.");
  }
  if (now < c.notBefore.getTime()) return fail("ChallengeInvalidTimestamp", "The challenge is not valid yet.");
  if (now > c.notAfter.getTime()) return fail("ChallengeExpired", "The challenge has expired.");
  if (!c.targeted) return fail("ScepProfileNoLongerTargetedToTheClient", "The SCEP profile is no longer targeted to the client.");
  if (c.expectedSubject !== undefined) {
    if (csr.subject.length === 0) return fail("SubjectNameMissing", "The CSR has no subject name.");
    if (csr.subject.join(",") !== normalizeSubject(c.expectedSubject).join(",")) {
      return fail("SubjectNameMismatch", "The subject name does not match the profile.");
    }
  }
  if (c.expectedSans !== undefined) {
    if (!csr.sanPresent) return fail("SubjectAltNameMissing", "The CSR has no subject alternative name.");
    if (csr.sans.join("|") !== [...c.expectedSans].sort().join("|")) {
      return fail("SubjectAltNameMismatch", "The subject alternative names do not match the profile.");
    }
  }
  if (c.keyUsageBits !== undefined && csr.keyUsageBits !== c.keyUsageBits) {
    return fail("KeyUsageMismatch", "The key usage does not match the profile.");
  }
  if (c.keyBits !== undefined && csr.keyBits !== c.keyBits) {
    return fail("KeyLengthMismatch", `Key length ${csr.keyBits} does not match the profile (${c.keyBits}).`);
  }
  if (c.ekus !== undefined) {
    if (!csr.ekus) return fail("EnhancedKeyUsageMissing", "The CSR has no extended key usage.");
    if ([...csr.ekus].sort().join() !== [...c.ekus].sort().join()) {
      return fail("EnhancedKeyUsageMismatch", "The extended key usage does not match the profile.");
    }
  }
  if (c.validity !== undefined) {
    const sent = [csr.validity?.period ?? "", csr.validity?.units ?? ""].sort().join("|");
    if (sent !== [c.validity.period, String(c.validity.units)].sort().join("|")) {
      return fail("ValidityPeriodMismatch", "The validity period does not match the profile (a code of the fake's own).");
    }
  }
  if (!csr.signatureValid) return fail("SignatureValidationFailed", "The CSR signature is invalid.");
  return { code: "Success", description: "", challenge: csr.challengePassword };
}
