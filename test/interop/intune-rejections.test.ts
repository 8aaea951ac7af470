// Every way Intune can refuse (or fail to answer) validateRequest, end to end through the built
// Worker: CertRep FAILURE badRequest whose failInfoText names the code, no certificate in the
// ledger, and no notification of any kind after a rejected validate (ref-scep-api.md).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import type { ChallengeOptions, FaultKind } from "../fakes/microsoft/fake";
import { intuneTrace, newKey, startIntuneStack, type DeviceKey, type IntuneStack } from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

const CN = "rejected-device";
const SAN = "rejected-device.contoso.example";
const HOUR = 3_600_000;

let ca: TestCa;
let key: DeviceKey;
let s: IntuneStack;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Rejections Test CA" });
  key = newKey();
  s = await startIntuneStack(ca);
  // Warm the token and discovery caches so each case's log holds only its ScepActions calls.
  const ok = await s.device.enroll({ key, cn: "warm-up", challenge: s.fake.mintChallenge() });
  expect(ok.status, ok.failInfoText).toBe(PkiStatus.SUCCESS);
});
afterAll(async () => {
  await s?.stop();
  await ca?.cleanup();
});

let certificatesBefore = 0;
let requestsBefore = 0;
let notificationsBefore = 0;

async function snapshot(): Promise<void> {
  certificatesBefore = (await s.admin.stats()).certificates;
  requestsBefore = s.fake.requests.length;
  notificationsBefore = s.fake.notifications.length;
}

/** Enrolls and checks the common outcome of a refused validate; answers the ScepActions seen. */
async function expectRefused(challenge: string | undefined, code: string, csr: { cn?: string; dnsNames?: string[] } = {}): Promise<string[]> {
  await snapshot();
  const r = await s.device.enroll({ key, cn: csr.cn ?? CN, ...(challenge !== undefined ? { challenge } : {}), dnsNames: csr.dnsNames ?? [SAN] });
  expect(r.status).toBe(PkiStatus.FAILURE);
  expect(r.failInfo).toBe(FailInfo.badRequest);
  expect(r.failInfoText).toContain(code);
  expect(r.certDer).toBeUndefined();
  expect((await s.admin.stats()).certificates).toBe(certificatesBefore);
  expect(await s.admin.byTransaction(r.transactionId)).toEqual([]);
  expect(s.fake.notifications.length).toBe(notificationsBefore);
  const actions = s.fake.requests
    .slice(requestsBefore)
    .filter((q) => q.service === "intune")
    .map((q) => q.operation);
  expect(actions.every((a) => a === "validateRequest")).toBe(true);
  return actions as string[];
}

afterEach(() => {
  s.fake.unknownChallengeCode = "ChallengeDecryptionError";
});

describe("codes the fake derives from the challenge and the CSR", () => {
  const cases: [string, () => ChallengeOptions, { cn?: string; dnsNames?: string[] }?][] = [
    ["ChallengeExpired", () => ({ notBefore: new Date(Date.now() - 2 * HOUR), notAfter: new Date(Date.now() - HOUR) })],
    ["ChallengeInvalidTimestamp", () => ({ notBefore: new Date(Date.now() + HOUR), notAfter: new Date(Date.now() + 2 * HOUR) })],
    ["ScepProfileNoLongerTargetedToTheClient", () => ({ targeted: false })],
    ["BadTenantIdInChallenge", () => ({ tenantId: "99999999-8888-4777-8666-555555555555" })],
    ["SubjectNameMismatch", () => ({ expectedSubject: "CN=someone-else" })],
    ["SubjectAltNameMissing", () => ({ expectedSans: [`dns:${SAN}`] }), { dnsNames: [] }],
    ["SubjectAltNameMismatch", () => ({ expectedSans: ["dns:other.contoso.example"] })],
    ["KeyUsageMismatch", () => ({ keyUsageBits: 0xa000 })],
    ["KeyLengthMismatch", () => ({ keyBits: 4096 })],
    ["EnhancedKeyUsageMissing", () => ({ ekus: ["1.3.6.1.5.5.7.3.2"] })],
  ];
  test.each(cases)("%s", async (code, options, csr) => {
    const actions = await expectRefused(s.fake.mintChallenge(options()), code, csr);
    expect(actions).toEqual(["validateRequest"]);
  });

  test.each(["ChallengeDecryptionError", "ChallengeDeserializationError", "ChallengeDecodingError", "SignatureValidationFailed"])(
    "a challenge the fake never minted: %s",
    async (code) => {
      s.fake.unknownChallengeCode = code;
      const actions = await expectRefused(`not-minted-${crypto.randomUUID()}`, code);
      expect(actions).toEqual(["validateRequest"]);
    },
  );
});

describe("codes the fake is told to answer (forceCode)", () => {
  test.each([
    "SubjectNameMissing",
    "EnhancedKeyUsageMismatch",
    "AadKeyIdentifierListMissing",
    "RegisteredKeyMismatch",
    "SigningCertThumbprintMismatch",
    "BadCertificateRequestIdInChallenge",
    "BadDeviceIdInChallenge",
    "BadUserIdInChallenge",
    "CertificateRequestDecodingFailed",
    "ChallengePasswordMissing",
  ])("%s", async (code) => {
    const actions = await expectRefused(s.fake.mintChallenge({ forceCode: code }), code);
    expect(actions).toEqual(["validateRequest"]);
  });
});

describe("answers that are not a Success (fail closed)", () => {
  const faults: [string, FaultKind, number, string[]][] = [
    ["unknown code", "unknownCode", 1, ["validateRequest"]],
    ["missing code", "missingCode", 1, ["validateRequest"]],
    ["non-JSON 200", "nonJson", 1, ["validateRequest"]],
    ["HTTP 400", "400", 1, ["validateRequest"]],
    ["HTTP 403", "403", 1, ["validateRequest"]],
    // 5xx and network errors are retried once after rediscovery: two faults to fail.
    ["HTTP 500 twice", "500", 2, ["validateRequest", "validateRequest"]],
    ["HTTP 503 twice", "503", 2, ["validateRequest", "validateRequest"]],
    ["connection reset twice", "reset", 2, ["validateRequest", "validateRequest"]],
  ];
  const codeOf: Record<string, string> = {
    unknownCode: "SomeNewCode",
    missingCode: "MissingCode",
    nonJson: "NonJsonResponse",
    "400": "HttpError400",
    "403": "HttpError403",
    "500": "HttpError500",
    "503": "HttpError503",
    reset: "NetworkError",
  };
  test.each(faults)("%s", async (_name, kind, times, expected) => {
    s.fake.inject("validateRequest", kind, times);
    const actions = await expectRefused(s.fake.mintChallenge(), codeOf[kind]!);
    expect(actions).toEqual(expected);
  });

  test("timeout: Intune never answers (the Worker gives up after its 10 s deadline, no retry)", async () => {
    s.fake.inject("validateRequest", "hang", 1);
    const started = Date.now();
    const actions = await expectRefused(s.fake.mintChallenge(), "Timeout");
    expect(actions).toEqual(["validateRequest"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
  }, 40_000);
});

// Routing (src/challenge/select.ts): in intune mode a CSR without challengePassword is Intune's to
// report, so the fake derives ChallengePasswordMissing itself.
test("a CSR without any challengePassword: Intune answers ChallengePasswordMissing", async () => {
  const actions = await expectRefused(undefined, "ChallengePasswordMissing");
  expect(actions).toEqual(["validateRequest"]);
});

test("over the whole file: no failureNotification was ever sent, and only the warm-up was notified", () => {
  expect(s.fake.requestsTo("intune", "failureNotification")).toEqual([]);
  expect(s.fake.notifications.map((n) => n.kind)).toEqual(["success"]);
  expect(intuneTrace(s.fake).filter((t) => t.startsWith("successNotification"))).toEqual(["successNotification:200:Success"]);
});
