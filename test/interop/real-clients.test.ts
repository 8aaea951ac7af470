// Real SCEP clients from Debian against the built Worker, served by Miniflare on 127.0.0.1.
//   micromdm scepclient 2.1.0 (package `scep`), certmonger 0.79.17 scep-submit (package `certmonger`).
// Client behaviour this relies on (captured against micromdm scepserver): docs/scep-clients.md §3–§4,
// and test/interop/reference/run-against-scepserver.sh re-proves these wrappers against that server.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  SCEPCLIENT,
  SCEP_SUBMIT,
  certInfo,
  formatRun,
  newClientDir,
  opensslVerify,
  publicKeyFingerprint,
  runScepclient,
  scepSubmit,
} from "./support/clients";
import { createTestCa, type TestCa } from "./support/test-ca";
import { startWorker, type RunningWorker } from "./support/worker-server";

const CHALLENGE = `interop-${crypto.randomUUID()}`;
const clientsInstalled = existsSync(SCEP_SUBMIT) && existsSync(`/usr/bin/${SCEPCLIENT}`);
// On a developer machine without the Debian packages, skip; in CI (.ci/run installs them) never skip.
const skip = !clientsInstalled && !process.env.CI;

let work: string;
let ca: TestCa;
let worker: RunningWorker;

const pemBody = (pem: string) => pem.replace(/-----[^-]+-----|\s+/g, "");

describe.skipIf(skip)("real SCEP clients against the Worker (static challenge, no RA)", () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "scep-interop-"));
    ca = await createTestCa({ cn: "Interop Test CA" });
    worker = await startWorker({
      bindings: {
        CA_CERT: ca.certPem,
        CA_KEY: ca.keyPem,
        SCEP_CHALLENGE: CHALLENGE,
        CHALLENGE_MODE: "static",
        // scepclient always encrypts with single DES (1.3.14.3.2.7), whatever GetCACaps says.
        ALLOW_LEGACY_DES: "true",
        CERT_VALIDITY_DAYS: "30",
      },
    });
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scep$/);
  });

  afterAll(async () => {
    await worker?.stop();
    await ca?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("GetCACaps via scep-submit -c lists POSTPKIOperation, AES, SHA-256 and Renewal", async () => {
    const r = await scepSubmit({ url: worker.url, op: "GetCACaps" });
    expect(r.code, formatRun(r)).toBe(0);
    expect(r.caps).toEqual(expect.arrayContaining(["POSTPKIOperation", "AES", "SHA-256", "Renewal"]));
  });

  test("GetCACert via scep-submit -C returns the CA certificate", async () => {
    const r = await scepSubmit({ url: worker.url, op: "GetCACert" });
    expect(r.code, formatRun(r)).toBe(0);
    // No RA configured: the CA alone (printed first). certmonger walks message=1,2,... for a single
    // x509-ca-cert answer and stops at a duplicate; a CA+chain answer may add more certificates.
    expect(r.certs?.length, formatRun(r)).toBeGreaterThanOrEqual(1);
    expect(pemBody(r.certs![0]!)).toBe(pemBody(ca.certPem));
  });

  test("scepclient enrolls (PKCSReq, DES + SHA-1, static challenge) and openssl verifies the certificate", async () => {
    const c = await newClientDir(work, "enroll");
    const r = await runScepclient({ url: worker.url, challenge: CHALLENGE, keyPath: c.keyPath, certPath: c.certPath, cn: "interop-enroll" });
    expect(r.issued, formatRun(r)).toBe(true);
    const v = await opensslVerify(ca.certPath, c.certPath);
    expect(v.ok, formatRun(v)).toBe(true);
    const info = await certInfo(r.certPem!);
    expect(info.cn).toBe("interop-enroll");
  });

  test("scepclient re-run renews (RenewalReq 17, same key) and gets a new certificate", async () => {
    // Own identity so this test does not depend on the previous one. With key and certificate
    // present, scepclient sends RenewalReq (17) signed by the old certificate, same key.
    const c = await newClientDir(work, "renew");
    const opts = { url: worker.url, challenge: CHALLENGE, keyPath: c.keyPath, certPath: c.certPath, cn: "interop-renew" };
    const first = await runScepclient(opts);
    expect(first.issued, formatRun(first)).toBe(true);
    const firstPem = await readFile(c.certPath, "utf8");

    const second = await runScepclient(opts);
    expect(second.issued, formatRun(second)).toBe(true);
    const [a, b] = [await certInfo(firstPem), await certInfo(second.certPem!)];
    expect(b.serial).not.toBe(a.serial);
    expect(b.cn).toBe("interop-renew");
    expect(await publicKeyFingerprint(second.certPem!)).toBe(await publicKeyFingerprint(firstPem));
    const v = await opensslVerify(ca.certPath, c.certPath);
    expect(v.ok, formatRun(v)).toBe(true);
  });

  test("scepclient with a wrong challenge gets a CertRep FAILURE, no certificate, non-zero exit", async () => {
    const c = await newClientDir(work, "wrong-challenge");
    const r = await runScepclient({ url: worker.url, challenge: "not-the-challenge", keyPath: c.keyPath, certPath: c.certPath, cn: "interop-wrong" });
    expect(r.code, formatRun(r)).not.toBe(0);
    expect(r.issued).toBe(false);
    expect(existsSync(c.certPath)).toBe(false);
    // A verified, signed CertRep FAILURE (not an HTTP error): scepclient prints
    // "PKCSReq (19) request failed, failInfo: <name> (<n>)" on stdout and exits 1.
    expect(r.stdout, formatRun(r)).toMatch(/request failed, failInfo: \w+ \(\d\)/);
  });

  // ---------------------------------------------------------------------------------------------
  // PLACEHOLDER — certmonger scep-submit PKIOperation (no test yet, on purpose).
  // scep-submit never builds the pkiMessage; it needs a PEM PKCS7 PKCSReq from our request builder
  // (buildPkiRequest in src/scep/request-builder.ts, being written by another engineer). When it
  // lands, add a describe block here, using request = pkcs7Pem(buildPkiRequest(...)) and
  // scepSubmit({ op: "PKIOperation", request, raCertPem: ca.certPem, caCertPem: ca.certPem, mode }):
  //   - PKCSReq (19), AES-256-CBC + SHA-256, static challenge, in both mode "flags" (-r/-N/-p)
  //     and mode "env" (CERTMONGER_OPERATION=SUBMIT, CERTMONGER_PKCSREQ, ...): exit 0, then decrypt
  //     r.envelopePem with the client key (must NOT be DES: certmonger on OpenSSL 3 cannot decrypt
  //     it) and `openssl verify` the certificate.
  //   - Rekey: CERTMONGER_PKCSREQ = new-key request signed by the old certificate,
  //     CERTMONGER_PKCSREQ_REKEY = self-signed one, same transactionID and senderNonce; the reply
  //     is encrypted to the OLD certificate.
  //   - Wrong challenge: exit 2 (SCEP_SUBMIT_EXIT.REJECTED).
  // ---------------------------------------------------------------------------------------------
});
