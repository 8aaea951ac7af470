// Revocation requests from Intune, end to end through the built Worker under Miniflare: the Cron
// Trigger (Miniflare's scheduled(), as Cloudflare's cron would) downloads this CA's requests from
// the fake's PkiConnectorFEService, revokes, and uploads one result per request; the CRL
// (`openssl crl`) lists the certificate. Then: a second run changes nothing, a failed upload is
// sent again without revoking twice, an already-revoked serial is a ConflictError, another CA's
// request is never downloaded, and an admin can run the sync (API and CLI) and read it in stats.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { AdminClient } from "./support/admin-client";
import { formatRun, runCommand } from "./support/clients";
import { ADMIN_TOKEN, newKey, serialUpper, startIntuneStack, type IntuneStack } from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { REPO_ROOT } from "../../scripts/lib/wrangler-config";

let ca: TestCa;
let s: IntuneStack;
let admin: AdminClient;
let work: string;
let issuerName: string;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Revocation Test CA" });
  s = await startIntuneStack(ca);
  admin = new AdminClient(s.worker.origin, ADMIN_TOKEN);
  work = await mkdtemp(join(tmpdir(), "intune-revocation-"));
});
afterAll(async () => {
  await s?.stop();
  await ca?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The Cron Trigger, as wrangler.toml schedules it. */
async function cron(): Promise<void> {
  const worker = await s.worker.mf.getWorker();
  const result = await worker.scheduled({ cron: "0 * * * *" });
  expect(result.outcome).toBe("ok");
}

async function issue(cn: string): Promise<string> {
  const r = await s.device.enroll({ key: newKey(), cn, challenge: s.fake.mintChallenge({ expectedSubject: `CN=${cn}` }) });
  expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
  // Intune keeps the serial and issuer the success notification reported; its revocation requests carry them back.
  const sent = s.fake.notifications.at(-1)!.notification;
  expect(sent.certificateSerialNumber).toBe(serialUpper(r.certDer!));
  issuerName = String(sent.issuingCertificateAuthority);
  return serialUpper(r.certDer!);
}

async function crlText(): Promise<string> {
  const res = await fetch(`${s.worker.origin}/crl`);
  expect(res.status).toBe(200);
  const path = join(work, `crl-${crypto.randomUUID()}.der`);
  await writeFile(path, new Uint8Array(await res.arrayBuffer()));
  const r = await runCommand("openssl", ["crl", "-inform", "DER", "-in", path, "-noout", "-text"]);
  expect(r.code, formatRun(r)).toBe(0);
  return r.stdout;
}

const resultsFor = (context: string) => s.fake.revocations.results.filter((r) => r.requestContext === context);
const certificate = (serial: string) =>
  admin.ok<{ status: string; revocationReason?: number; revokedAt?: number }>("GET", `/admin/certificates/${serial}`);

describe("the cron trigger", () => {
  let retired: string;
  let ours: string;
  let unknown: string;
  let foreign: string;

  test("revokes a requested certificate (on the CRL) and reports success; an unknown serial gets CertificateNotFoundError", async () => {
    retired = await issue("retired-device");
    ours = s.fake.queueRevocation(retired, issuerName);
    unknown = s.fake.queueRevocation("7A11CE0FF1CE0000000000000000BEEF", issuerName);
    foreign = s.fake.queueRevocation("0101", "CN=Another Partner CA");
    await cron();

    expect(await certificate(retired)).toMatchObject({ status: "revoked", revocationReason: 5 });
    const crl = await crlText();
    expect(crl).toMatch(
      new RegExp(
        `Serial Number: ${retired}\\s+Revocation Date: [^\\n]+\\n\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Cessation Of Operation`,
        "i",
      ),
    );
    expect(crl).not.toContain("7A11CE0FF1CE");

    expect(resultsFor(ours)).toEqual([{ requestContext: ours, succeeded: true, errorCode: "None", errorMessage: null }]);
    expect(resultsFor(unknown)).toEqual([
      { requestContext: unknown, succeeded: false, errorCode: "CertificateNotFoundError", errorMessage: expect.any(String) },
    ]);
    // The issuerName filter kept another CA's request out of this CA's hands.
    expect(s.fake.revocations.downloads.at(-1)).toMatchObject({ issuerName, maxRequests: 100 });
    expect(s.fake.revocations.queue.find((q) => q.requestContext === foreign)).toMatchObject({ downloads: 0, answered: false });
    expect(resultsFor(foreign)).toEqual([]);
    // Wire: the reference library's api-version and a GUID per call.
    for (const call of s.fake.requestsTo("pki")) {
      expect(call.headers["api-version"]).toBe("5019-05-05");
      expect(call.headers["client-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  test("a second run changes nothing: in the cool-down, and after it too", async () => {
    const before = { results: s.fake.revocations.results.length, cert: await certificate(retired), crl: await crlText() };
    await cron(); // inside Intune's 60-minute cool-down: an empty answer
    s.fake.endCoolDown();
    await cron(); // after it: nothing of ours is queued any more
    expect(s.fake.revocations.results).toHaveLength(before.results);
    expect(await certificate(retired)).toEqual(before.cert);
    expect((await crlText()).match(/Serial Number:/g)).toEqual(before.crl.match(/Serial Number:/g));
    const stats = await admin.ok<{ intune: { revocationSync: { lastRun: Record<string, unknown>; unsentResults: number } } }>("GET", "/admin/stats");
    expect(stats.intune.revocationSync.lastRun).toMatchObject({ trigger: "cron", downloaded: 0, revoked: 0, uploaded: 0, errors: [] });
    expect(stats.intune.revocationSync.unsentResults).toBe(0);
  });

  test("an upload that fails is sent again next run, and the certificate is revoked once", async () => {
    const serial = await issue("crash-device");
    const context = s.fake.queueRevocation(serial, issuerName);
    s.fake.endCoolDown();
    s.fake.inject("uploadRevocationResults", "500", 2); // the call and its one retry
    await cron();
    const first = await certificate(serial);
    expect(first).toMatchObject({ status: "revoked", revocationReason: 5 });
    expect(resultsFor(context)).toEqual([]);
    const stats = await admin.ok<{ intune: { revocationSync: { lastRun: { errors: string[] }; unsentResults: number } } }>("GET", "/admin/stats");
    expect(stats.intune.revocationSync.unsentResults).toBe(1);
    expect(stats.intune.revocationSync.lastRun.errors.join()).toContain("upload");

    s.fake.endCoolDown();
    await cron(); // Intune offers the unanswered request again; the ledger knows it: no second revocation
    expect(await certificate(serial)).toEqual(first);
    expect(resultsFor(context)).toEqual([{ requestContext: context, succeeded: true, errorCode: "None", errorMessage: null }]);
    const after = await admin.ok<{ intune: { revocationSync: { lastRun: Record<string, unknown>; unsentResults: number } } }>("GET", "/admin/stats");
    expect(after.intune.revocationSync).toMatchObject({ unsentResults: 0, lastRun: { revoked: 0, repeated: 1, uploaded: 1 } });
  });

  test("a serial an admin revoked already is a ConflictError, and keeps its reason", async () => {
    const serial = await issue("compromised-device");
    await admin.ok("POST", `/admin/certificates/${serial}/revoke`, { reason: "keyCompromise" });
    const context = s.fake.queueRevocation(serial, issuerName);
    s.fake.endCoolDown();
    await cron();
    expect(resultsFor(context)).toEqual([
      { requestContext: context, succeeded: false, errorCode: "ConflictError", errorMessage: expect.any(String) },
    ]);
    expect(await certificate(serial)).toMatchObject({ status: "revoked", revocationReason: 1 });
  });
});

describe("an admin runs the sync", () => {
  test("POST /admin/intune/sync and `npm run admin -- intune-sync` run it now and report", async () => {
    const serial = await issue("admin-run-device");
    const context = s.fake.queueRevocation(serial, issuerName);
    s.fake.endCoolDown();
    const summary = await admin.ok<Record<string, unknown>>("POST", "/admin/intune/sync");
    expect(summary).toMatchObject({ trigger: "admin", downloaded: 1, revoked: 1, uploaded: 1, errors: [] });
    expect(resultsFor(context)).toHaveLength(1);

    s.fake.endCoolDown();
    const run = await runCommand("npx", ["tsx", "scripts/admin.ts", "--url", s.worker.origin, "intune-sync"], {
      cwd: REPO_ROOT,
      timeoutSec: 60,
      env: { SCEP_ADMIN_TOKEN: ADMIN_TOKEN, NO_COLOR: "1" },
    });
    expect(run.code, formatRun(run)).toBe(0);
    expect(run.stdout).toContain("downloaded 0: revoked 0");
    const stats = await admin.ok<{
      intune: { cloud: string; credential: { kind: string }; revocationSync: { enabled: boolean; lastRun: { trigger: string } } };
    }>("GET", "/admin/stats");
    expect(stats.intune).toMatchObject({
      cloud: "public",
      credential: { kind: "secret" },
      revocationSync: { enabled: true, lastRun: { trigger: "admin" } },
    });
  });
});
