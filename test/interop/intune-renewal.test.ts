// Renewal under Intune (finding 2 of the trust review; Microsoft's SCEP profiles renew with a new
// key pair and a fresh challenge): a certificate issued through Intune never renews by its
// signature alone, whatever it asks for, and Intune hears nothing of such a request; with a fresh
// Intune challenge the renewal goes through validateRequest and the notifications like any request,
// and Intune's later revocation request for the superseded certificate revokes nothing twice.
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FailInfo, MessageType, PkiStatus } from "../../src/scep/oids";
import { intuneTrace, newKey, startIntuneStack, type DeviceKey, type IntuneStack } from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

let ca: TestCa;
let s: IntuneStack;
let first: { certDer: Uint8Array; key: DeviceKey };

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Renewal Test CA" });
  s = await startIntuneStack(ca, { extra: { CHALLENGE_MODE: "intune", REVOKE_SUPERSEDED: "true" } });
  const key = newKey();
  const challenge = s.fake.mintChallenge({ expectedSubject: "CN=deviceA", keyBits: 2048 });
  const r = await s.device.enroll({ key, cn: "deviceA", challenge });
  expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
  first = { certDer: r.certDer!, key };
});
afterAll(async () => {
  await s?.stop();
  await ca?.cleanup();
});

describe("a certificate issued through Intune", () => {
  test("does not renew by signature alone (RenewalReq or PKCSReq), even for its own names; Intune is not called", async () => {
    const before = s.fake.requestsTo("intune").length;
    for (const messageType of [MessageType.RenewalReq, MessageType.PKCSReq]) {
      const r = await s.device.enroll({ key: newKey(), cn: "deviceA", signedBy: first, messageType });
      expect(r.status).toBe(PkiStatus.FAILURE);
      expect(r.failInfo).toBe(FailInfo.badRequest);
      expect(r.failInfoText).toBe("certificates issued through Intune renew only through Intune: the request needs a fresh Intune challenge");
    }
    const grab = await s.device.enroll({ key: newKey(), cn: "deviceA", signedBy: first, dnsNames: ["www.bank.example"] });
    expect(grab.status).toBe(PkiStatus.FAILURE);
    expect(s.fake.requestsTo("intune").length).toBe(before);
  });

  test("renews with a fresh Intune challenge: validate, issue, successNotification, and the old one is superseded", async () => {
    const challenge = s.fake.mintChallenge({ expectedSubject: "CN=deviceA", keyBits: 2048 });
    const r = await s.device.enroll({ key: newKey(), cn: "deviceA", challenge, signedBy: first, messageType: MessageType.RenewalReq });
    expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
    expect(intuneTrace(s.fake).slice(-2)).toEqual(["validateRequest:200:Success", "successNotification:200:Success"]);
    expect(new X509Certificate(Buffer.from(r.certDer!)).subject).toBe("CN=deviceA");
    const old = new X509Certificate(Buffer.from(first.certDer)).serialNumber.toUpperCase().padStart(32, "0"); // 16-byte serials
    const record = await s.admin.certificate(old);
    expect(record).toMatchObject({ status: "revoked", revocationReason: 4 });
  });
});

describe("after the renewal, Intune's view", () => {
  test("the renewal's notification reports its own validated CSR and serial (the strict fake checks the pair); a later revocation request for the superseded certificate is a ConflictError, not a second revocation", async () => {
    const renewal = s.fake.notifications.filter((n) => n.kind === "success").at(-1)!.notification;
    const validated = s.fake.validations.at(-1)!;
    expect(renewal.transactionId).toBe(validated.transactionId);
    expect(renewal.certificateRequest).toBe(validated.certificateRequest);
    const oldSerial = new X509Certificate(Buffer.from(first.certDer)).serialNumber.toUpperCase().padStart(32, "0");
    expect(renewal.certificateSerialNumber).not.toBe(oldSerial);

    // Intune retires the old certificate once the device reports the new one.
    const context = s.fake.queueRevocation(oldSerial, String(renewal.issuingCertificateAuthority));
    const worker = await s.worker.mf.getWorker();
    expect((await worker.scheduled({ cron: "0 * * * *" })).outcome).toBe("ok");
    expect(s.fake.revocations.results).toEqual([
      { requestContext: context, succeeded: false, errorCode: "ConflictError", errorMessage: expect.any(String) },
    ]);
    expect(await s.admin.certificate(oldSerial)).toMatchObject({ status: "revoked", revocationReason: 4 });
  });
});
