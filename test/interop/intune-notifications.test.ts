// After a successful validate: the success notification gates delivery (refused → withheld,
// revoked with reason cessationOfOperation, on the CRL, never handed out on retry), idempotent
// retries never reach Intune again, and a CA-side failure after validate sends failureNotification
// with the hResult of its cause.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import type { FaultKind } from "../fakes/microsoft/fake";
import { formatRun, runCommand } from "./support/clients";
import { b64, intuneTrace, newKey, serialUpper, type DeviceKey, startIntuneStack, type IntuneStack } from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

let ca: TestCa;
let key: DeviceKey;
let s: IntuneStack;
let work: string;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Notifications Test CA" });
  key = newKey();
  work = await mkdtemp(join(tmpdir(), "intune-notify-"));
  s = await startIntuneStack(ca);
});
afterAll(async () => {
  await s?.stop();
  await ca?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

async function crlText(): Promise<string> {
  const res = await fetch(`${s.worker.origin}/crl`);
  expect(res.status).toBe(200);
  const path = join(work, `crl-${crypto.randomUUID()}.der`);
  await writeFile(path, new Uint8Array(await res.arrayBuffer()));
  const r = await runCommand("openssl", ["crl", "-inform", "DER", "-in", path, "-noout", "-text"]);
  expect(r.code, formatRun(r)).toBe(0);
  return r.stdout;
}

describe("successNotification refused: the certificate is withheld", () => {
  test.each([
    ["a non-Success code", "unknownCode", 1, "SomeNewCode"],
    ["HTTP 500 (also after the one retry)", "500", 2, "HttpError500"],
  ] as [string, FaultKind, number, string][])("%s", async (_name, kind, times, code) => {
    const cn = `withheld-${kind}`;
    s.fake.inject("successNotification", kind, times);
    const logBefore = intuneTrace(s.fake).length;
    const r = await s.device.enroll({ key, cn, challenge: s.fake.mintChallenge({ expectedSubject: `CN=${cn}` }) });
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.failInfo).toBe(FailInfo.badRequest);
    expect(r.failInfoText).toContain(code);
    expect(r.certDer).toBeUndefined();

    // Recorded, not delivered, revoked (RFC 5280 reason 5, cessationOfOperation).
    const items = await s.admin.byTransaction(r.transactionId);
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect(item).toMatchObject({ delivered: false, status: "revoked", revocationReason: 5 });
    const attempts = s.fake.requestsTo("intune", "successNotification").slice(-times);
    const sentSerials = attempts.map((a) => (a.body as { notification: { certificateSerialNumber: string } }).notification.certificateSerialNumber);
    expect(new Set(sentSerials)).toEqual(new Set([item.serial.toUpperCase()]));

    // On the CRL, with its reason.
    const crl = await crlText();
    const entry = new RegExp(
      `Serial Number: ${item.serial.toUpperCase()}\\s+Revocation Date: [^\\n]+\\n\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Cessation Of Operation`,
      "i",
    );
    expect(crl).toMatch(entry);

    // A device retry of the same request: FAILURE, not the certificate, and Intune is not asked again.
    const trace = intuneTrace(s.fake).slice(logBefore);
    const retried = await s.device.retry(r, { key, cn });
    expect(retried.status).toBe(PkiStatus.FAILURE);
    expect(retried.failInfo).toBe(FailInfo.badRequest);
    expect(retried.certDer).toBeUndefined();
    expect(intuneTrace(s.fake).slice(logBefore)).toEqual(trace);
    expect(trace.filter((t) => t.startsWith("validateRequest"))).toEqual(["validateRequest:200:Success"]);
    expect(s.fake.requestsTo("intune", "failureNotification")).toEqual([]);
  });
});

test("idempotent retry after success: the same certificate, Intune not called again", async () => {
  const cn = "retry-after-success";
  const logBefore = intuneTrace(s.fake).length;
  const first = await s.device.enroll({ key, cn, challenge: s.fake.mintChallenge({ expectedSubject: `CN=${cn}` }) });
  expect(first.status, first.failInfoText).toBe(PkiStatus.SUCCESS);
  const second = await s.device.retry(first, { key, cn });
  expect(second.status, second.failInfoText).toBe(PkiStatus.SUCCESS);
  expect(Buffer.from(second.certDer!).equals(Buffer.from(first.certDer!))).toBe(true);
  const third = await s.device.retry(first, { key, cn });
  expect(Buffer.from(third.certDer!).equals(Buffer.from(first.certDer!))).toBe(true);
  expect(intuneTrace(s.fake).slice(logBefore)).toEqual(["validateRequest:200:Success", "successNotification:200:Success"]);
  expect(await s.admin.byTransaction(first.transactionId)).toHaveLength(1);
});

test("failureNotification after a validated request the CA then refuses (same transactionID, two CSRs, racing)", async () => {
  // Both requests pass the ledger lookup and are validated (the fake holds the two validateRequest
  // calls until both have arrived); the ledger then records one and refuses the other (conflict):
  // an issuing failure after a successful validate, the only one reachable from outside.
  const transactionId = Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString("hex");
  const [ka, kb] = [newKey(), newKey()];
  const notificationsBefore = s.fake.notifications.length;
  s.fake.holdUntil("validateRequest", 2);
  const [a, b] = await Promise.all([
    s.device.enroll({ key: ka, cn: "race-a", transactionId, challenge: s.fake.mintChallenge({ expectedSubject: "CN=race-a" }) }),
    s.device.enroll({ key: kb, cn: "race-b", transactionId, challenge: s.fake.mintChallenge({ expectedSubject: "CN=race-b" }) }),
  ]);
  const statuses = [a.status, b.status].sort();
  expect(statuses).toEqual([PkiStatus.SUCCESS, PkiStatus.FAILURE].sort());
  const winner = a.status === PkiStatus.SUCCESS ? a : b;
  const loser = winner === a ? b : a;
  expect(loser.failInfo).toBe(FailInfo.badRequest);
  expect(loser.failInfoText).toMatch(/transactionID/);

  const validated = s.fake.requestsTo("intune", "validateRequest").slice(-2);
  expect(validated.map((v) => v.code)).toEqual(["Success", "Success"]);
  const added = s.fake.notifications.slice(notificationsBefore);
  expect(added.map((n) => n.kind).sort()).toEqual(["failure", "success"]);
  const failure = added.find((n) => n.kind === "failure")!.notification;
  expect(failure.transactionId).toBe(transactionId);
  expect(failure.certificateRequest).toBe(b64(loser.csrDer));
  // CERTSRV_E_BAD_REQUESTSTATUS (0x80094003): the transactionID is taken by the other request.
  expect(failure.hResult).toBe(0x80094003 | 0);
  expect(typeof failure.errorDescription).toBe("string");
  expect((failure.errorDescription as string).length).toBeGreaterThan(0);
  expect((failure.errorDescription as string).length).toBeLessThanOrEqual(255);
  const success = added.find((n) => n.kind === "success")!.notification;
  expect(success.certificateRequest).toBe(b64(winner.csrDer));
  expect(success.certificateSerialNumber).toBe(serialUpper(winner.certDer!));

  const items = await s.admin.byTransaction(transactionId);
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ delivered: true, status: "valid" });
});
