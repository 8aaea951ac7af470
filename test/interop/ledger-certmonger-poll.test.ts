// certmonger 0.79.17 scep-submit against manual approval: the real client that polls.
//   1. PKCSReq via scep-submit (the daemon's env mode)        -> PENDING, exit 1 (CM_SUBMIT_STATUS_WAIT)
//   2. the admin approves over the admin API
//   3. CERTMONGER_OPERATION=POLL with a CertPoll/GetCertInitial (20) message, same transactionID
//                                                             -> exit 0, envelope decrypts to the certificate
// What scep-submit 0.79.17 reads in POLL mode (checked here, see the test "POLL reads ..."):
// it takes the message from CERTMONGER_PKCSREQ(_REKEY) like SUBMIT does, NOT from
// CERTMONGER_GETCERTINITIAL (that variable is only listed by FETCH-*-REQUIREMENTS; the daemon
// fills CERTMONGER_PKCSREQ with the GetCertInitial message when it polls). Without a message it
// exits 16 (CM_SUBMIT_STATUS_NEED_SCEP_MESSAGES). `-g FILE` is the flag form of POLL.
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { certPem, decryptEnvelopePem, summarizeCert } from "../../src/client/certificates";
import { certDer } from "../../src/x509/cert-ref";
import { nameDer } from "../../src/client/csr-builder";
import { AdminClient, ScepTestClient, keyPool, newAdminToken, normSerial, type ClientKey } from "./support/admin-client";
import { SCEP_SUBMIT, SCEP_SUBMIT_EXIT, formatRun, opensslVerify, pkcs7Pem, runCommand, scepSubmit } from "./support/clients";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `cm-poll-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();
const skip = !existsSync(SCEP_SUBMIT) && !process.env.CI;

let ca: TestCa;
let worker: RunningWorker;
let scep: ScepTestClient;
let admin: AdminClient;
let keys: ClientKey[];
let work: string;

/** scep-submit the way the daemon runs it: everything in CERTMONGER_* variables. */
function submitEnv(operation: "SUBMIT" | "POLL", vars: Record<string, string>) {
  return runCommand(SCEP_SUBMIT, ["-u", worker.url], {
    timeoutSec: 30,
    env: {
      CERTMONGER_OPERATION: operation,
      CERTMONGER_SCEP_RA_CERTIFICATE: ca.certPem, // no RA: the CA signs CertReps
      CERTMONGER_SCEP_CA_CERTIFICATE: ca.certPem,
      ...vars,
    },
  });
}

/**
 * Exit 1 (pending) with the server's senderNonce (base64) as scep-submit's "cookie". PENDING and
 * FAILURE CertReps carry an empty eContent (src/scep/cert-rep.ts): certmonger's
 * PKCS7_verify(..., indata=NULL) needs content, and without it exits 3 "no content" (CA
 * unreachable: the daemon would retry, never poll). That failure now fails the test.
 */
function expectPending(r: Awaited<ReturnType<typeof runCommand>>): void {
  expect(r.stdout, formatRun(r)).not.toMatch(/no content/);
  expect(r.code, formatRun(r)).toBe(SCEP_SUBMIT_EXIT.WAIT);
  expect(r.stdout.trim(), formatRun(r)).toMatch(/^[A-Za-z0-9+/]+=*$/);
}

describe.skipIf(skip)("certmonger scep-submit: PENDING, admin approval, then POLL", () => {
  beforeAll(async () => {
    ca = await createTestCa({ cn: "Certmonger Poll Test CA" });
    worker = await startWorker({
      bindings: {
        CA_CERT: ca.certPem,
        CA_KEY: ca.keyPem,
        SCEP_CHALLENGE: CHALLENGE,
        CHALLENGE_MODE: "static",
        APPROVAL_MODE: "manual",
        ADMIN_TOKEN: TOKEN,
      },
    });
    scep = await ScepTestClient.connect(worker.url);
    admin = new AdminClient(worker.origin, TOKEN);
    keys = keyPool(2);
    work = await mkdtemp(join(tmpdir(), "scep-cm-poll-"));
  });

  afterAll(async () => {
    await worker?.stop();
    await ca?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("submit -> exit 1 (pending); approve; POLL with a GetCertInitial message -> exit 0 and the envelope holds the certificate", async () => {
    const cn = "cm-poll-1";
    const req = scep.pkcsReq({ key: keys[0]!, cn, challenge: CHALLENGE, transactionId: `cm-${Date.now()}` });
    const submitted = await scepSubmit({
      url: worker.url,
      op: "PKIOperation",
      request: pkcs7Pem(req.der),
      raCertPem: ca.certPem,
      caCertPem: ca.certPem,
      mode: "env",
    });
    expectPending(submitted);
    expect((await admin.pending()).items.map((p) => p.transactionId)).toContain(req.transactionId);

    // Polling before approval: still pending.
    const pollMessage = pkcs7Pem(
      scep.certPoll({ signer: req.signer, transactionId: req.transactionId, subjectDer: nameDer({ commonName: cn }) }).der,
    );
    const early = await submitEnv("POLL", { CERTMONGER_PKCSREQ: pollMessage });
    expectPending(early);

    const approved = await admin.approve(req.transactionId);
    expect(approved.status).toBe("issued");

    // A fresh GetCertInitial (new nonce), as the daemon builds for each poll.
    const poll = scep.certPoll({ signer: req.signer, transactionId: req.transactionId, subjectDer: nameDer({ commonName: cn }) });
    const r = await submitEnv("POLL", { CERTMONGER_PKCSREQ: pkcs7Pem(poll.der) });
    expect(r.code, formatRun(r)).toBe(SCEP_SUBMIT_EXIT.ISSUED);
    const envelope = /-----BEGIN PKCS7-----[\s\S]*?-----END PKCS7-----\n?/.exec(r.stdout)?.[0];
    expect(envelope, formatRun(r)).toBeDefined();
    const opened = decryptEnvelopePem(envelope!, req.signer);
    const issued = opened.certificates[0]!;
    const summary = summarizeCert(issued);
    expect(summary.subject).toBe(`CN=${cn}`);
    expect(normSerial(summary.serialHex)).toBe(normSerial(approved.serial));
    expect(summary.spkiSha256).toBe(summarizeCert(certDer(req.signer.cert)).spkiSha256);
    const path = join(work, "cm-poll-1.pem");
    await writeFile(path, certPem(issued));
    const v = await opensslVerify(ca.certPath, path);
    expect(v.ok, formatRun(v)).toBe(true);
  });

  test("POLL reads CERTMONGER_PKCSREQ, not CERTMONGER_GETCERTINITIAL (exit 16 with only the latter); -g FILE works too", async () => {
    const cn = "cm-poll-2";
    const req = scep.pkcsReq({ key: keys[1]!, cn, challenge: CHALLENGE, transactionId: `cm2-${Date.now()}` });
    expectPending(await submitEnv("SUBMIT", { CERTMONGER_PKCSREQ: pkcs7Pem(req.der) }));
    await admin.approve(req.transactionId);

    const poll = () => pkcs7Pem(scep.certPoll({ signer: req.signer, transactionId: req.transactionId, subjectDer: nameDer({ commonName: cn }) }).der);
    const onlyGci = await submitEnv("POLL", { CERTMONGER_GETCERTINITIAL: poll() });
    expect(onlyGci.code, formatRun(onlyGci)).toBe(SCEP_SUBMIT_EXIT.NEED_PKIMESSAGE);
    // Exits 16 silently, before any HTTP request (the server logs nothing for it).

    // The flag form: -g with the message file (positional), -r RA/-N CA.
    const file = join(work, "gci.pem");
    await writeFile(file, poll());
    const flags = await runCommand(SCEP_SUBMIT, ["-u", worker.url, "-r", ca.certPath, "-N", ca.certPath, "-g", file], { timeoutSec: 30 });
    expect(flags.code, formatRun(flags)).toBe(SCEP_SUBMIT_EXIT.ISSUED);
    const opened = decryptEnvelopePem(/-----BEGIN PKCS7-----[\s\S]*?-----END PKCS7-----\n?/.exec(flags.stdout)![0], req.signer);
    expect(summarizeCert(opened.certificates[0]!).subject).toBe(`CN=${cn}`);
  });

  test("PENDING answers exit 1 and a POLL after an admin reject exits 2", async () => {
    const cn = "cm-poll-3";
    const req = scep.pkcsReq({ key: keys[1]!, cn, challenge: CHALLENGE, transactionId: `cm3-${Date.now()}` });
    const submitted = await submitEnv("SUBMIT", { CERTMONGER_PKCSREQ: pkcs7Pem(req.der) });
    expect((await admin.pending()).items.map((p) => p.transactionId)).toContain(req.transactionId);
    await admin.reject(req.transactionId, "no");
    const poll = scep.certPoll({ signer: req.signer, transactionId: req.transactionId, subjectDer: nameDer({ commonName: cn }) });
    const r = await submitEnv("POLL", { CERTMONGER_PKCSREQ: pkcs7Pem(poll.der) });
    expect(submitted.code, formatRun(submitted)).toBe(SCEP_SUBMIT_EXIT.WAIT);
    expect(r.code, formatRun(r)).toBe(SCEP_SUBMIT_EXIT.REJECTED);
    expect(r.stdout).toContain("not permitted");
  });
});
