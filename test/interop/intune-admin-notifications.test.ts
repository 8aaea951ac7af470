// The built Worker with APPROVAL_MODE=manual:intune: an Intune-validated request waits; an admin's
// rejection, and an approval that cannot issue once the name policy changed (a restart on the same
// storage), each reach Intune as one failureNotification with the hResult of the cause and the CSR
// Intune validated; the device's retry then gets FAILURE. Intune's own refusals are never notified.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import { createMicrosoftFake, type MicrosoftFake } from "../fakes/microsoft/fake";
import { startMicrosoftFakeServer, type RunningFake } from "../fakes/microsoft/node-server";
import { AdminClient } from "./support/admin-client";
import { ADMIN_TOKEN, b64, type EnrollOutcome, newKey, startIntuneStack, type IntuneStack } from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

// winerror.h ([MS-ERREF] §2.1.1), as signed 32-bit JSON numbers.
const CERTSRV_E_ADMIN_DENIED_REQUEST = 0x80094014 | 0;
const CERTSRV_E_BAD_REQUESTSUBJECT = 0x80094001 | 0;

let ca: TestCa;
let fake: MicrosoftFake;
let server: RunningFake;
let dir: string;
const MANUAL = { APPROVAL_MODE: "manual:intune" };

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Admin Notifications CA" });
  fake = createMicrosoftFake();
  server = await startMicrosoftFakeServer(fake);
  dir = await mkdtemp(join(tmpdir(), "intune-admin-"));
});
afterAll(async () => {
  await server?.close();
  await ca?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const stack = (extra: Record<string, string>) => startIntuneStack(ca, { extra, persistPath: dir, shared: { fake, server } });
const failuresFor = (transactionId: string) =>
  fake.notifications.filter((n) => n.kind === "failure" && n.notification.transactionId === transactionId).map((n) => n.notification);

describe("an Intune request waiting for approval", () => {
  test("rejected by an admin: Intune hears CERTSRV_E_ADMIN_DENIED_REQUEST with the reason; the device's retry gets FAILURE", async () => {
    const s: IntuneStack = await stack(MANUAL);
    try {
      const key = newKey();
      const r = await s.device.enroll({ key, cn: "reject-me", challenge: fake.mintChallenge({ expectedSubject: "CN=reject-me" }) });
      expect(r.status, r.failInfoText).toBe(PkiStatus.PENDING);
      expect(failuresFor(r.transactionId)).toEqual([]);

      const admin = new AdminClient(s.worker.origin, ADMIN_TOKEN);
      expect(await admin.ok("POST", "/admin/pending/reject", { transactionId: r.transactionId, reason: "device not in inventory" })).toMatchObject({
        status: "rejected",
      });
      expect(failuresFor(r.transactionId)).toEqual([
        expect.objectContaining({
          certificateRequest: b64(r.csrDer),
          hResult: CERTSRV_E_ADMIN_DENIED_REQUEST,
          errorDescription: "rejected by a CA administrator: device not in inventory",
        }),
      ]);
      // Rejecting again changes nothing and tells Intune nothing more.
      expect((await admin.request("POST", "/admin/pending/reject", { body: { transactionId: r.transactionId } })).status).toBe(409);
      expect(failuresFor(r.transactionId)).toHaveLength(1);

      const retry = await s.device.retry(r, { key, cn: "reject-me" });
      expect(retry.status).toBe(PkiStatus.FAILURE);
      expect(retry.failInfo).toBe(FailInfo.badRequest);
    } finally {
      await s.stop();
    }
  });

  test("approved after the name policy changed: refused, rejected, Intune hears CERTSRV_E_BAD_REQUESTSUBJECT", async () => {
    const key = newKey();
    const first = await stack(MANUAL);
    let r: EnrollOutcome;
    try {
      r = await first.device.enroll({
        key,
        cn: "renamed",
        dnsNames: ["renamed.corp.example"],
        challenge: fake.mintChallenge({ expectedSubject: "CN=renamed" }),
      });
      expect(r.status, r.failInfoText).toBe(PkiStatus.PENDING);
    } finally {
      await first.stop();
    }
    // The same storage, a stricter policy: corp.example is no longer an allowed SAN domain.
    const second = await stack({ ...MANUAL, SAN_DOMAINS: "devices.example.net" });
    try {
      const admin = new AdminClient(second.worker.origin, ADMIN_TOKEN);
      const res = await admin.request<{ error: string; message: string }>("POST", "/admin/pending/approve", {
        body: { transactionId: r.transactionId },
      });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ error: "cannot_issue", message: expect.stringContaining("rejected and Intune was told") });
      const [n, ...more] = failuresFor(r.transactionId);
      expect(more).toEqual([]);
      expect(n).toMatchObject({ certificateRequest: b64(r.csrDer), hResult: CERTSRV_E_BAD_REQUESTSUBJECT });
      expect((await admin.ok<{ items: unknown[] }>("GET", "/admin/pending")).items).toEqual([]);
      const retry = await second.device.retry(r, { key, cn: "renamed" });
      expect(retry.status).toBe(PkiStatus.FAILURE);
      expect(fake.notifications.filter((x) => x.kind === "success" && x.notification.transactionId === r.transactionId)).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  test("a request Intune refused never waits and is never notified", async () => {
    const s = await stack(MANUAL);
    try {
      const r = await s.device.enroll({ key: newKey(), cn: "refused", challenge: fake.mintChallenge({ expectedSubject: "CN=someone-else" }) });
      expect(r.status).toBe(PkiStatus.FAILURE);
      expect(r.failInfoText).toContain("SubjectNameMismatch");
      expect(failuresFor(r.transactionId)).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});
