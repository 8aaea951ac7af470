// The ledger as system of record, black-box over HTTP against the built Worker:
//   * retries: same transactionID + same CSR is idempotent, a different CSR is refused (RFC 8894 §3.2.1.1)
//   * GetCert (21): an issued serial answers with that certificate, an unknown one with badCertId
//   * manual approval (APPROVAL_MODE=manual): PKCSReq -> PENDING, CertPoll (20) -> PENDING,
//     admin approve -> CertPoll SUCCESS, admin reject -> CertPoll FAILURE badRequest (RFC 8894 §3.3.3)
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import { certPem, summarizeCert } from "../../src/client/certificates";
import { nameDer } from "../../src/client/csr-builder";
import { selfSigned } from "../../src/client/enrollment";
import { AdminClient, MessageType, ScepTestClient, keyPool, newAdminToken, normSerial, type ClientKey } from "./support/admin-client";
import { formatRun, opensslVerify } from "./support/clients";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `ledger-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();

let ca: TestCa;
let keys: ClientKey[];
let work: string;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Ledger Transactions Test CA" });
  keys = keyPool(3);
  work = await mkdtemp(join(tmpdir(), "scep-ledger-tx-"));
});

afterAll(async () => {
  await ca?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

function bindings(extra: Record<string, string> = {}): Record<string, string> {
  return { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static", ADMIN_TOKEN: TOKEN, ...extra };
}

describe("automatic issuance: retries and GetCert", () => {
  let worker: RunningWorker;
  let scep: ScepTestClient;
  let admin: AdminClient;

  beforeAll(async () => {
    worker = await startWorker({ bindings: bindings() });
    scep = await ScepTestClient.connect(worker.url);
    admin = new AdminClient(worker.origin, TOKEN);
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("same transactionID and CSR with a new signer and nonce returns the same certificate; a different CSR is refused", async () => {
    const key = keys[0]!;
    const first = scep.pkcsReq({ key, cn: "retry-1", challenge: CHALLENGE });
    const r1 = await scep.send(first);
    expect(r1.status).toBe(PkiStatus.SUCCESS);
    const serial = summarizeCert(r1.certificates[0]!).serialHex;
    expect((await admin.stats()).certificates).toBe(1);

    // A client retry: same transactionID and CSR bytes, fresh self-signed signer (new serial) and nonce.
    const retry = scep.pkcsReq({
      key,
      cn: "retry-1",
      transactionId: first.transactionId,
      csrDer: first.csrDer,
      signer: selfSigned(key.handle, { commonName: "retry-1" }),
    });
    expect(Buffer.from(retry.senderNonce).equals(Buffer.from(first.senderNonce))).toBe(false);
    const r2 = await scep.send(retry);
    expect(r2.status).toBe(PkiStatus.SUCCESS);
    expect(summarizeCert(r2.certificates[0]!).serialHex).toBe(serial);
    expect(Buffer.from(r2.certificates[0]!).equals(Buffer.from(r1.certificates[0]!))).toBe(true);
    expect((await admin.stats()).certificates).toBe(1);

    // Same transactionID, different CSR (another subject): refused, nothing recorded.
    const conflicting = scep.pkcsReq({ key, cn: "retry-1-other", challenge: CHALLENGE, transactionId: first.transactionId });
    const r3 = await scep.send(conflicting);
    expect(r3.status).toBe(PkiStatus.FAILURE);
    expect(r3.failInfo).toBe(FailInfo.badRequest);
    const stats = await admin.stats();
    expect(stats.certificates).toBe(1);
    const listed = await admin.listAll({ transactionId: first.transactionId });
    expect(listed.items.map((i) => i.serial)).toEqual([serial]);
  });

  test("GetCert (21) for an issued serial returns that certificate; an unknown serial gives badCertId", async () => {
    const key = keys[1]!;
    const req = scep.pkcsReq({ key, cn: "getcert-1", challenge: CHALLENGE });
    const issued = await scep.send(req);
    expect(issued.status).toBe(PkiStatus.SUCCESS);
    const der = issued.certificates[0]!;
    const serial = summarizeCert(der).serialHex;

    const get = await scep.send(scep.issuerAndSerial(MessageType.GetCert, req.signer, serial));
    expect(get.status).toBe(PkiStatus.SUCCESS);
    expect(get.certificates).toHaveLength(1);
    expect(Buffer.from(get.certificates[0]!).equals(Buffer.from(der))).toBe(true);

    const unknown = await scep.send(scep.issuerAndSerial(MessageType.GetCert, req.signer, "7F00112233445566778899AABBCCDDEE"));
    expect(unknown.status).toBe(PkiStatus.FAILURE);
    expect(unknown.failInfo).toBe(FailInfo.badCertId);
  });

  test("CertPoll (20) for an unknown transactionID gives FAILURE badCertId (failInfo 4)", async () => {
    const key = keys[2]!;
    const signer = selfSigned(key.handle, { commonName: "nobody" });
    const r = await scep.send(
      scep.certPoll({ signer, transactionId: `unknown-${crypto.randomUUID()}`, subjectDer: nameDer({ commonName: "nobody" }) }),
    );
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.failInfo).toBe(4);
    expect(r.failInfo).toBe(FailInfo.badCertId);
  });
});

describe("manual approval (APPROVAL_MODE=manual): PENDING, CertPoll, approve, reject", () => {
  let worker: RunningWorker;
  let scep: ScepTestClient;
  let admin: AdminClient;

  beforeAll(async () => {
    worker = await startWorker({ bindings: bindings({ APPROVAL_MODE: "manual" }) });
    scep = await ScepTestClient.connect(worker.url);
    admin = new AdminClient(worker.origin, TOKEN);
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("PKCSReq -> PENDING; poll -> PENDING; listed as pending; approve -> poll SUCCESS with a certificate openssl verifies", async () => {
    const key = keys[0]!;
    const req = scep.pkcsReq({ key, cn: "manual-approve", challenge: CHALLENGE });
    const r1 = await scep.send(req);
    expect(r1.status).toBe(PkiStatus.PENDING);
    expect(r1.certificates).toHaveLength(0);

    const poll = () =>
      scep.send(scep.certPoll({ signer: req.signer, transactionId: req.transactionId, subjectDer: nameDer({ commonName: "manual-approve" }) }));
    expect((await poll()).status).toBe(PkiStatus.PENDING);

    // Resubmitting the same PKCSReq while pending: PENDING again, still one pending row.
    const again = scep.pkcsReq({ key, cn: "manual-approve", transactionId: req.transactionId, csrDer: req.csrDer, signer: req.signer });
    expect((await scep.send(again)).status).toBe(PkiStatus.PENDING);

    const pending = await admin.pending();
    const mine = pending.items.filter((p) => p.transactionId === req.transactionId);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.subject).toBe("CN=manual-approve");
    expect(mine[0]!.state).toBe("pending");
    const before = await admin.stats();
    expect(before.pending).toBe(pending.items.length);
    expect(before.certificates).toBe(0);

    const approved = await admin.approve(req.transactionId);
    expect(approved.status).toBe("issued");
    expect((await admin.pending()).items.some((p) => p.transactionId === req.transactionId)).toBe(false);

    const done = await poll();
    expect(done.status).toBe(PkiStatus.SUCCESS);
    const der = done.certificates[0]!;
    const summary = summarizeCert(der);
    expect(normSerial(summary.serialHex)).toBe(normSerial(approved.serial));
    expect(summary.subject).toBe("CN=manual-approve");
    const path = join(work, "manual-approve.pem");
    await writeFile(path, certPem(der));
    const v = await opensslVerify(ca.certPath, path);
    expect(v.ok, formatRun(v)).toBe(true);

    // The same PKCSReq after approval is answered from the ledger with the same certificate.
    const after = await scep.send(
      scep.pkcsReq({ key, cn: "manual-approve", transactionId: req.transactionId, csrDer: req.csrDer, signer: req.signer }),
    );
    expect(after.status).toBe(PkiStatus.SUCCESS);
    expect(Buffer.from(after.certificates[0]!).equals(Buffer.from(der))).toBe(true);
    const stats = await admin.stats();
    expect(stats.certificates).toBe(1);
    expect(stats.pending).toBe(before.pending - 1);
  });

  test("reject -> poll FAILURE badRequest; approving it afterwards is refused (409)", async () => {
    const key = keys[1]!;
    const req = scep.pkcsReq({ key, cn: "manual-reject", challenge: CHALLENGE });
    expect((await scep.send(req)).status).toBe(PkiStatus.PENDING);
    const rejected = await admin.reject(req.transactionId, "not in inventory");
    expect(rejected.status).toBe("rejected");

    const poll = await scep.send(
      scep.certPoll({ signer: req.signer, transactionId: req.transactionId, subjectDer: nameDer({ commonName: "manual-reject" }) }),
    );
    expect(poll.status).toBe(PkiStatus.FAILURE);
    expect(poll.failInfo).toBe(FailInfo.badRequest);

    const late = await admin.request("POST", "/admin/pending/approve", { body: { transactionId: req.transactionId } });
    expect(late.status).toBe(409);
    expect((late.body as { error: string }).error).toBe("not_pending");
    expect((await admin.stats()).rejected).toBeGreaterThanOrEqual(1);
    expect((await admin.listAll({ transactionId: req.transactionId })).items).toHaveLength(0);
  });
});
