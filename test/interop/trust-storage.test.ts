// Findings 5 and 6 of the trust review against the built Worker, with its storage on disk:
//   5. a revocation reason outside the exact list (e.g. "toString", which `in` found on every
//      object) is refused at the API and the CRL keeps building;
//   6. no challenge at rest: after enrollments with the static and a one-time challenge, no value
//      in any table of the ledger's SQLite files contains either challenge.
import { readdir } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { newRsaKey } from "../../src/client/certificates";
import { AdminClient, ScepTestClient, newAdminToken, normSerial } from "./support/admin-client";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";
import { X509Certificate } from "node:crypto";

const STATIC = `at-rest-static-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();

let ca: TestCa;
let work: string;
let worker: RunningWorker;
let scep: ScepTestClient;
let admin: AdminClient;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Trust Storage Test CA" });
  work = await mkdtemp(join(tmpdir(), "scep-trust-storage-"));
  worker = await startWorker({
    bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: STATIC, CHALLENGE_MODE: "static,one-time", ADMIN_TOKEN: TOKEN },
    persistPath: work,
  });
  scep = await ScepTestClient.connect(worker.url);
  admin = new AdminClient(worker.origin, TOKEN);
});
afterAll(async () => {
  await worker?.stop();
  await ca?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

async function sqliteFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".sqlite")) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

describe("what the ledger keeps", () => {
  let serial = "";

  test("enrollments with the static and with a one-time challenge", async () => {
    const key = newRsaKey();
    const r1 = await scep.send(scep.pkcsReq({ key, cn: "static-device", challenge: STATIC }));
    expect(r1.status, r1.failInfoText).toBe(PkiStatus.SUCCESS);
    serial = normSerial(new X509Certificate(Buffer.from(r1.certificates[0]!)).serialNumber);
    const { challenge } = await admin.mintChallenge({ subject: "CN=otc-device" });
    const r2 = await scep.send(scep.pkcsReq({ key: newRsaKey(), cn: "otc-device", challenge }));
    expect(r2.status, r2.failInfoText).toBe(PkiStatus.SUCCESS);
    (globalThis as { oneTimeChallenge?: string }).oneTimeChallenge = challenge;
  });

  test("finding 5: a reason that is not a CRLReason name of the list is refused, and the CRL keeps building", async () => {
    for (const reason of ["toString", "__proto__", "constructor", "removeFromCRL", "certificateHold", 8, 2]) {
      const r = await admin.request("POST", `/admin/certificates/${serial}/revoke`, { body: { reason } });
      expect(r.status, `${String(reason)}: ${r.text}`).toBe(400);
      expect(r.body).toMatchObject({ error: "bad_reason" });
    }
    expect((await fetch(`${worker.origin}/crl`)).status).toBe(200);
    expect(await admin.revoke(serial, "keyCompromise")).toMatchObject({ reason: 1, alreadyRevoked: false });
    expect(await admin.revoke(serial, "keyCompromise")).toMatchObject({ alreadyRevoked: true });
    expect((await fetch(`${worker.origin}/crl`)).status).toBe(200);
  });

  test("finding 6: no table of the ledger holds either challenge", async () => {
    await worker.stop(); // flush the object's storage to disk
    const { DatabaseSync } = await import("node:sqlite");
    const secrets = [STATIC, (globalThis as { oneTimeChallenge?: string }).oneTimeChallenge!].map((s) => Buffer.from(s));
    const files = await sqliteFiles(work);
    let rows = 0;
    for (const file of files) {
      const db = new DatabaseSync(file, { readOnly: true });
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      for (const { name } of tables) {
        for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
          rows++;
          for (const value of Object.values(row)) {
            const bytes = typeof value === "string" ? Buffer.from(value) : value instanceof Uint8Array ? Buffer.from(value) : undefined;
            for (const secret of secrets) expect(bytes?.includes(secret) ?? false, `table ${name} holds a challenge`).toBe(false);
          }
        }
      }
      db.close();
    }
    expect(files.length).toBeGreaterThan(0);
    expect(rows).toBeGreaterThan(2);
  });
});
