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
  opensslVerifyCert,
  pkcs7Pem,
  publicKeyFingerprint,
  runScepclient,
  scepSubmit,
  SCEP_SUBMIT_EXIT,
  type ScepSubmitResult,
} from "./support/clients";
import { MessageType } from "../../src/scep/oids";
import { buildCsr as buildCsrDer } from "../../src/client/csr-builder";
import { buildRequest, randomOctets as rb, selfSigned } from "../../src/client/enrollment";
import { certPem, decryptEnvelopePem, newRsaKey, spkiSha256OfKey, summarizeCert } from "../../src/client/certificates";
import type { PrivateKeyHandle } from "../../src/crypto/keys";
import type { RequestSigner as Signer } from "../../src/client/scep-client";
import { certificateDer, encodeDer, parseCertificate } from "../support/pkijs";
import { parsePem } from "../../src/asn1/pem";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

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
    const v1 = await opensslVerifyCert(ca.certPath, firstPem);
    expect(v1.ok, formatRun(v1)).toBe(true);

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
  // certmonger scep-submit PKIOperation. scep-submit never builds the pkiMessage (the daemon does):
  // we build it with the client library (src/client over src/scep/request-builder)
  // and scep-submit sends it, always as GET ?operation=PKIOperation&message=<%-escaped base64>.
  // On exit 0 it prints the still-encrypted pkcsPKIEnvelope, which we decrypt with the signer key.
  // docs/scep-clients.md §4a.
  describe("certmonger scep-submit PKIOperation (GET, AES-256-CBC + SHA-256, as the daemon sends)", () => {
    let caDer: Uint8Array;
    beforeAll(() => {
      caDer = parsePem(ca.certPem)[0]!.der;
    });

    /** A PKCSReq the way certmonger's daemon builds it: AES-256-CBC, SHA-256, self-signed signer with the CSR subject. */
    function certmongerRequest(cn: string, challenge: string, key = newRsaKey()) {
      const csrDer = buildCsrDer({ key: key.handle, subject: { commonName: cn }, challenge, hash: "sha256" });
      const req = buildRequest({
        messageType: MessageType.PKCSReq,
        csrDer,
        signer: selfSigned(key.handle, { commonName: cn }),
        recipients: [caDer],
        cipher: "aes-256-cbc",
        hash: "sha256",
      });
      return { key, req, pem: pkcs7Pem(req.der) };
    }

    async function expectIssued(r: ScepSubmitResult, signer: Signer, keyOfCert: PrivateKeyHandle, cn: string) {
      expect(r.code, formatRun(r)).toBe(SCEP_SUBMIT_EXIT.ISSUED);
      expect(r.envelopePem, formatRun(r)).toBeDefined();
      const opened = decryptEnvelopePem(r.envelopePem!, signer);
      // certmonger on OpenSSL 3 cannot decrypt DES; the reply must use a modern cipher.
      expect(opened.cipher).not.toBe("des-cbc");
      const der = opened.certificates[0]!;
      const s = summarizeCert(der);
      expect(s.subject).toContain(`CN=${cn}`);
      expect(s.spkiSha256).toBe(spkiSha256OfKey(keyOfCert));
      const v = await opensslVerifyCert(ca.certPath, certPem(der));
      expect(v.ok, formatRun(v)).toBe(true);
      return { der, summary: s, cipher: opened.cipher };
    }

    test("PKCSReq in flags mode (-r/-N/-p): exit 0, envelope decrypts to a certificate openssl verifies", async () => {
      const m = certmongerRequest("cm-flags", CHALLENGE);
      const r = await scepSubmit({
        url: worker.url,
        op: "PKIOperation",
        request: m.pem,
        raCertPem: ca.certPem,
        caCertPem: ca.certPem,
        mode: "flags",
      });
      const issued = await expectIssued(r, m.req.signer, m.key.handle, "cm-flags");
      expect(issued.cipher).toBe("aes-256-cbc");
    });

    test("PKCSReq in env mode (CERTMONGER_OPERATION=SUBMIT, CERTMONGER_PKCSREQ): exit 0 and a verified certificate", async () => {
      const m = certmongerRequest("cm-env", CHALLENGE);
      const r = await scepSubmit({ url: worker.url, op: "PKIOperation", request: m.pem, raCertPem: ca.certPem, caCertPem: ca.certPem, mode: "env" });
      await expectIssued(r, m.req.signer, m.key.handle, "cm-env");
    });

    test("rekey pair (old-cert-signed + self-signed, same transactionID and senderNonce): reply to the OLD certificate, new cert for the NEW key", async () => {
      // 1. An initial certificate for key1.
      const first = certmongerRequest("cm-rekey", CHALLENGE);
      const r1 = await scepSubmit({
        url: worker.url,
        op: "PKIOperation",
        request: first.pem,
        raCertPem: ca.certPem,
        caCertPem: ca.certPem,
        mode: "env",
      });
      const old = await expectIssued(r1, first.req.signer, first.key.handle, "cm-rekey");
      const oldCert = parseCertificate(old.der);

      // 2. Two messages for key2 with the same transactionID and senderNonce (certmonger's
      //    CERTMONGER_PKCSREQ / CERTMONGER_PKCSREQ_REKEY; the naming is inverted in scep-submit):
      //    PKCSREQ = signed by the old certificate and key1, PKCSREQ_REKEY = self-signed by key2.
      //    The CSR keeps the old subject byte for byte (a renewal may not change it).
      const key2 = newRsaKey();
      const subjectDer = encodeDer(oldCert.subject.toSchema());
      const csrDer = buildCsrDer({ key: key2.handle, subject: subjectDer, challenge: CHALLENGE, hash: "sha256" });
      const transactionId = `${BigInt("0x" + Buffer.from(rb(32)).toString("hex"))}`; // certmonger: decimal, ~77 digits
      const senderNonce = rb(16);
      const common = {
        messageType: MessageType.PKCSReq,
        csrDer,
        recipients: [caDer],
        cipher: "aes-256-cbc" as const,
        hash: "sha256" as const,
        transactionId,
        senderNonce,
      };
      const byOld = buildRequest({ ...common, signer: { cert: certificateDer(oldCert), key: first.key.handle } });
      const selfSignedReq = buildRequest({ ...common, signer: selfSigned(key2.handle, subjectDer) });

      const r2 = await scepSubmit({
        url: worker.url,
        op: "PKIOperation",
        request: pkcs7Pem(byOld.der),
        rekeyRequest: pkcs7Pem(selfSignedReq.der),
        raCertPem: ca.certPem,
        caCertPem: ca.certPem,
        mode: "env",
      });
      // The server advertises Renewal, so scep-submit sends CERTMONGER_PKCSREQ (the old-cert-signed
      // one) and the CertRep envelope is encrypted to the OLD certificate: decrypt with key1.
      const renewed = await expectIssued(r2, byOld.signer, key2.handle, "cm-rekey");
      expect(renewed.summary.serialHex).not.toBe(old.summary.serialHex);
      expect(renewed.summary.spkiSha256).not.toBe(old.summary.spkiSha256);
      expect(() => decryptEnvelopePem(r2.envelopePem!, selfSignedReq.signer)).toThrow();
    });

    test("wrong challenge: CertRep FAILURE, scep-submit exits 2 (rejected)", async () => {
      const m = certmongerRequest("cm-wrong", "not-the-challenge");
      const r = await scepSubmit({
        url: worker.url,
        op: "PKIOperation",
        request: m.pem,
        raCertPem: ca.certPem,
        caCertPem: ca.certPem,
        mode: "flags",
      });
      // Regression guard: scep-submit runs PKCS7_verify(..., indata=NULL). A FAILURE CertRep without
      // eContent fails there with "PKCS7 routines::no content" and exit 3 (CA unreachable; the daemon
      // would retry forever) instead of 2. The server must send an empty primitive OCTET STRING
      // eContent (a0 02 04 00), as micromdm does (fixture mdm-CertRep-failure-badRequest.resp.der).
      expect(r.code, formatRun(r)).toBe(SCEP_SUBMIT_EXIT.REJECTED);
      expect(r.envelopePem).toBeUndefined();
    });
  });
});
