// Microsoft's partner-CA test matrix (TestMatrix.csv), the rows about flows: renewal with a low
// validity, and the four failures that must end with no certificate for the device. Each runs for
// every platform with the CSR that platform builds (support/intune-platforms.ts), through the built
// Worker and the Microsoft fake; the ledger is read through the admin API. Then the refusals the
// Intune console must be able to explain (a usage or a key the profile does not allow). The rows
// about what is issued: intune-matrix.test.ts. Map: docs/intune-matrix.md.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import { b64, intuneTrace, newKey, startIntuneStack, type DeviceKey, type IntuneStack } from "./support/intune-harness";
import { csrHash, expectations, PLATFORMS, platformCsr, TRAITS, type IntuneProfile, type Platform } from "./support/intune-platforms";
import { viewIssued } from "./support/issued-cert";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

const DAY = 86_400_000;
const BACKDATE_MS = 1440 * 60_000;
const CA_PROFILES = { "apple-short": { validityDays: 5, challengeKinds: ["intune"] } };
/** Microsoft: "Plan to use a validity period of five days or greater" (certificates-profile-scep.md). */
const LOW: IntuneProfile = {
  subject: [["CN", "renewing-device"]],
  sans: [],
  keyUsage: "both",
  keyBits: 2048,
  hash: "sha256",
  ekus: ["1.3.6.1.5.5.7.3.2"],
  validity: { period: "Days", units: 5 },
};

let ca: TestCa;
let s: IntuneStack;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Matrix Flows CA", days: 3650 });
  s = await startIntuneStack(ca, { extra: { CERT_PROFILES: JSON.stringify(CA_PROFILES) } });
});
afterAll(async () => {
  await s?.stop();
  await ca?.cleanup();
});

/** One enrollment of `platform`, the way it builds and sends its request. */
function enrollAs(
  stack: IntuneStack,
  platform: Platform,
  profile: IntuneProfile,
  o: { key?: DeviceKey; challenge?: string; signedBy?: { certDer: Uint8Array; key: DeviceKey } } = {},
) {
  const key = o.key ?? newKey(profile.keyBits);
  const challenge = o.challenge ?? stack.fake.mintChallenge(expectations(platform, profile));
  const csrDer = platformCsr(platform, profile, key.handle.key, challenge);
  return stack.device.enroll({ key, csrDer, ...sending(platform, profile), ...(o.signedBy ? { signedBy: o.signedBy } : {}) });
}

/** How `platform` sends its request: Apple devices reach the 5-day profile by path (their CSR carries no validity). */
function sending(platform: Platform, profile: IntuneProfile) {
  const path = TRAITS[platform].validity === "none" ? { path: "/scep/apple-short" } : {};
  return { cn: "SCEP Protocol Certificate", ...path, messageHash: csrHash(platform, profile), oaep: TRAITS[platform].oaep };
}

describe.each(PLATFORMS)("%s", (platform) => {
  test("Renewal: a low-validity certificate renewed with a fresh challenge and key; the success notification is the new certificate's", async () => {
    const firstKey = newKey();
    const first = await enrollAs(s, platform, LOW, { key: firstKey });
    expect(first.status, first.failInfoText).toBe(PkiStatus.SUCCESS);
    const old = await viewIssued(first.certDer!);
    expect(old.notAfter.getTime() - old.notBefore.getTime() - BACKDATE_MS).toBe(5 * DAY);

    // Past the renewal threshold the device asks again: a new key pair and a fresh challenge
    // (certificates-profile-scep.md, "Renewal threshold"), its request signed by the old certificate.
    const renewed = await enrollAs(s, platform, LOW, { signedBy: { certDer: first.certDer!, key: firstKey } });
    expect(renewed.status, renewed.failInfoText).toBe(PkiStatus.SUCCESS);
    expect(intuneTrace(s.fake).slice(-2)).toEqual(["validateRequest:200:Success", "successNotification:200:Success"]);
    const cert = await viewIssued(renewed.certDer!);
    expect(cert.notAfter.getTime() - cert.notBefore.getTime() - BACKDATE_MS).toBe(5 * DAY);
    expect(cert.serial).not.toBe(old.serial);
    expect(cert.notAfter.getTime()).toBeGreaterThanOrEqual(old.notAfter.getTime());

    // What the Intune console shows comes from this notification: the renewal's own transaction and
    // validated CSR, and the new certificate's thumbprint, serial, expiry and issuer.
    const n = s.fake.notifications.filter((x) => x.kind === "success").at(-1)!.notification;
    expect(n.transactionId).toBe(renewed.transactionId);
    expect(n.certificateRequest).toBe(b64(renewed.csrDer));
    expect(s.fake.validations.at(-1)).toMatchObject({ transactionId: renewed.transactionId, certificateRequest: b64(renewed.csrDer) });
    expect(n.certificateThumbprint).toBe(cert.thumbprint);
    expect(n.certificateSerialNumber).toBe(cert.serial.padStart(32, "0"));
    expect(n.certificateExpirationDateUtc).toBe(cert.notAfter.toISOString());
    expect(n.issuingCertificateAuthority).toContain("CN=Intune Matrix Flows CA");

    // Both certificates are in the ledger and deliverable; Intune revokes the old one in its own time.
    expect(await s.admin.byTransaction(renewed.transactionId)).toMatchObject([{ delivered: true, status: "valid" }]);
    expect(await s.admin.byTransaction(first.transactionId)).toMatchObject([{ delivered: true, status: "valid" }]);
  });

  /** No certificate reached the device, and the ledger holds nothing it could still deliver. */
  async function expectNothingDelivered(r: { status: PkiStatus; failInfo?: number; certDer?: Uint8Array; transactionId: string }) {
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.failInfo).toBe(FailInfo.badRequest);
    expect(r.certDer).toBeUndefined();
    for (const item of await s.admin.byTransaction(r.transactionId)) expect(item).toMatchObject({ delivered: false, status: "revoked" });
  }

  test("Challenge Authentication Failure: Intune refuses the challenge; nothing recorded, nothing sent after", async () => {
    const before = s.fake.notifications.length;
    const r = await enrollAs(s, platform, LOW, { challenge: s.fake.mintChallenge({ forceCode: "ChallengeValidationFailed" }) });
    expect(r.failInfoText).toBe("Intune did not validate the request: ChallengeValidationFailed");
    await expectNothingDelivered(r);
    expect(await s.admin.byTransaction(r.transactionId)).toEqual([]);
    expect(s.fake.notifications.length).toBe(before);
  });

  test("Challenge Authentication Failure - 2: validateRequest answers 500 (also on the one retry); nothing recorded", async () => {
    s.fake.inject("validateRequest", "500", 2);
    const r = await enrollAs(s, platform, LOW);
    expect(r.failInfoText).toBe("Intune did not validate the request: HttpError500");
    await expectNothingDelivered(r);
    expect(await s.admin.byTransaction(r.transactionId)).toEqual([]);
  });

  test("Success Notification Failure: successNotification answers 500; the certificate is withheld and revoked, and a retry gets nothing", async () => {
    s.fake.inject("successNotification", "500", 2);
    const key = newKey();
    const r = await enrollAs(s, platform, LOW, { key });
    expect(r.failInfoText).toBe("Intune did not accept the issuance notification: HttpError500");
    await expectNothingDelivered(r);
    expect(await s.admin.byTransaction(r.transactionId)).toMatchObject([{ delivered: false, status: "revoked", revocationReason: 5 }]);
    const retry = await s.device.retry(r, { key, ...sending(platform, LOW) });
    await expectNothingDelivered(retry);
  });
});

describe("Communication Failure: the Worker cannot authenticate to Entra (invalid key)", () => {
  // TestMatrix.csv says "Validate that the SCEP server does issue a certificate": with no Intune
  // there is no validation, so the server fails closed (docs/intune-matrix.md reads it as "does not").
  let broken: IntuneStack;
  beforeAll(async () => {
    broken = await startIntuneStack(ca, { extra: { INTUNE_CLIENT_SECRET: "not-the-app-key", CERT_PROFILES: JSON.stringify(CA_PROFILES) } });
  });
  afterAll(async () => {
    await broken?.stop();
  });

  test.each(PLATFORMS)("%s: FAILURE, no certificate, nothing in the ledger, Intune never called", async (platform) => {
    const r = await enrollAs(broken, platform, LOW);
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.failInfoText).toBe("Intune did not validate the request: TokenError");
    expect(r.certDer).toBeUndefined();
    expect(await broken.admin.byTransaction(r.transactionId)).toEqual([]);
    expect(broken.fake.requestsTo("token").every((t) => t.status === 401)).toBe(true);
    expect(broken.fake.requestsTo("intune")).toEqual([]);
  });
});

describe("refusals the Intune console explains (failureNotification after a successful validate)", () => {
  test("Windows asks for the code-signing EKU: refused with the field to change, hResult CERTSRV_E_TEMPLATE_DENIED", async () => {
    const profile = { ...LOW, ekus: ["1.3.6.1.5.5.7.3.3"] };
    const r = await enrollAs(s, "windows", profile);
    const reason = 'extended key usage 1.3.6.1.5.5.7.3.3 (codeSigning) is not allowed by profile "default" (allowedExtendedKeyUsage)';
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.failInfoText).toBe(reason);
    expect(await s.admin.byTransaction(r.transactionId)).toEqual([]);
    expect(intuneTrace(s.fake).slice(-2)).toEqual(["validateRequest:200:Success", "failureNotification:200:Success"]);
    const n = s.fake.notifications.at(-1)!.notification;
    expect(n).toMatchObject({ transactionId: r.transactionId, certificateRequest: b64(r.csrDer), hResult: 0x80094012 | 0, errorDescription: reason });
  });

  test("…but with a challenge Intune does not own, the device gets Intune's code and Intune hears nothing more", async () => {
    const before = s.fake.notifications.length;
    const r = await enrollAs(s, "windows", { ...LOW, ekus: ["1.3.6.1.5.5.7.3.3"] }, { challenge: `not-minted-${crypto.randomUUID()}` });
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.failInfoText).toBe("Intune did not validate the request: ChallengeDecryptionError");
    expect(intuneTrace(s.fake).at(-1)).toBe("validateRequest:200:ChallengeDecryptionError");
    expect(s.fake.notifications.length).toBe(before);
  });

  test.each(PLATFORMS)(
    "%s, RSA-1024 in a profile that does not allow it: refused, saying how to allow it; hResult CERTSRV_E_KEY_LENGTH",
    async (platform) => {
      const r = await enrollAs(s, platform, { ...LOW, keyBits: 1024 });
      const profile = TRAITS[platform].validity === "none" ? "apple-short" : "default";
      const reason = `key refused: RSA key of 1024 bits is outside profile "${profile}" (2048–8192); keys under 2048 bits are weak: the profile needs rsaBits [1024, …] and allowWeakRsa1024: true`;
      expect(r.failInfoText).toBe(reason);
      expect(r.certDer).toBeUndefined();
      expect(s.fake.notifications.at(-1)!.notification).toMatchObject({
        transactionId: r.transactionId,
        hResult: 0x80094811 | 0,
        errorDescription: reason,
      });
    },
  );
});
