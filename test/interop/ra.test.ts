// Real clients against the Worker with an RA configured (RA_CERT/RA_KEY): GetCACert answers
// x-x509-ca-ra-cert (RA first, then CA), requests are encrypted to the RA (certmonger) or to every
// GetCACert certificate (scepclient), and CertReps are signed by the RA. docs/scep-clients.md §3, §4, §7.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parsePem } from "../../src/asn1/pem";
import { MessageType } from "../../src/scep/oids";
import { buildCsr as buildCsrDer } from "../../src/client/csr-builder";
import { buildRequest, selfSigned } from "../../src/client/enrollment";
import { certPem, decryptEnvelopePem, newRsaKey, spkiSha256OfKey, summarizeCert } from "../../src/client/certificates";
import { describeCaCerts } from "../../src/client/discovery";
import {
  SCEPCLIENT,
  SCEP_SUBMIT,
  SCEP_SUBMIT_EXIT,
  formatRun,
  newClientDir,
  opensslVerify,
  opensslVerifyCert,
  pkcs7Pem,
  runScepclient,
  scepSubmit,
} from "./support/clients";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `interop-ra-${crypto.randomUUID()}`;
const clientsInstalled = existsSync(SCEP_SUBMIT) && existsSync(`/usr/bin/${SCEPCLIENT}`);
const skip = !clientsInstalled && !process.env.CI;
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----|\s+/g, "");

let work: string;
let ca: TestCa;
let worker: RunningWorker;

describe.skipIf(skip)("real SCEP clients against the Worker with an RA (RA_CERT/RA_KEY)", () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "scep-interop-ra-"));
    ca = await createTestCa({ cn: "Interop RA Test CA", ra: true });
    worker = await startWorker({
      bindings: {
        CA_CERT: ca.certPem,
        CA_KEY: ca.keyPem,
        RA_CERT: ca.ra!.certPem,
        RA_KEY: ca.ra!.keyPem,
        SCEP_CHALLENGE: CHALLENGE,
        CHALLENGE_MODE: "static",
        ALLOW_LEGACY_DES: "true", // scepclient: single DES only
        CERT_VALIDITY_DAYS: "30",
      },
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await ca?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("certmonger -C gets RA then CA; a PKCSReq encrypted to the RA is issued (exit 0) and verifies", async () => {
    const cacert = await scepSubmit({ url: worker.url, op: "GetCACert" });
    expect(cacert.code, formatRun(cacert)).toBe(0);
    expect(cacert.certs?.length, formatRun(cacert)).toBe(2);
    expect(pemBody(cacert.certs![0]!)).toBe(pemBody(ca.ra!.certPem));
    expect(pemBody(cacert.certs![1]!)).toBe(pemBody(ca.certPem));

    // Pick the recipient the way a client does: the non-CA certificate of GetCACert.
    const disc = describeCaCerts(
      "application/x-x509-ca-ra-cert",
      cacert.certs!.map((p) => parsePem(p)[0]!.der),
    );
    expect(disc.ra?.sha256).toBeDefined();
    expect(pemBody(certPem(disc.ra!.der))).toBe(pemBody(ca.ra!.certPem));

    const key = newRsaKey();
    const csrDer = buildCsrDer({ key: key.handle, subject: { commonName: "cm-ra" }, challenge: CHALLENGE, hash: "sha256" });
    const req = buildRequest({
      messageType: MessageType.PKCSReq,
      csrDer,
      signer: selfSigned(key.handle, { commonName: "cm-ra" }),
      recipients: disc.recipients,
      cipher: "aes-256-cbc",
      hash: "sha256",
    });
    // -r RA (CertRep signer), -N CA (trust anchor).
    const r = await scepSubmit({
      url: worker.url,
      op: "PKIOperation",
      request: pkcs7Pem(req.der),
      raCertPem: ca.ra!.certPem,
      caCertPem: ca.certPem,
      mode: "flags",
    });
    expect(r.code, formatRun(r)).toBe(SCEP_SUBMIT_EXIT.ISSUED);
    const opened = decryptEnvelopePem(r.envelopePem!, req.signer);
    const s = summarizeCert(opened.certificates[0]!);
    expect(s.subject).toContain("CN=cm-ra");
    expect(s.spkiSha256).toBe(spkiSha256OfKey(key.handle));
    const v = await opensslVerifyCert(ca.certPath, certPem(opened.certificates[0]!));
    expect(v.ok, formatRun(v)).toBe(true);
  });

  test("certmonger env mode (daemon style: RA in CERTMONGER_SCEP_RA_CERTIFICATE) is issued too", async () => {
    const key = newRsaKey();
    const disc = describeCaCerts("application/x-x509-ca-ra-cert", [parsePem(ca.ra!.certPem)[0]!.der, parsePem(ca.certPem)[0]!.der]);
    const req = buildRequest({
      csrDer: buildCsrDer({ key: key.handle, subject: { commonName: "cm-ra-env" }, challenge: CHALLENGE }),
      signer: selfSigned(key.handle, { commonName: "cm-ra-env" }),
      recipients: disc.recipients,
      cipher: "aes-256-cbc",
      hash: "sha256",
    });
    const r = await scepSubmit({
      url: worker.url,
      op: "PKIOperation",
      request: pkcs7Pem(req.der),
      raCertPem: ca.ra!.certPem,
      caCertPem: ca.certPem,
      mode: "env",
    });
    expect(r.code, formatRun(r)).toBe(SCEP_SUBMIT_EXIT.ISSUED);
    const der = decryptEnvelopePem(r.envelopePem!, req.signer).certificates[0]!;
    const v = await opensslVerifyCert(ca.certPath, certPem(der));
    expect(v.ok, formatRun(v)).toBe(true);
  });

  test("scepclient enrolls with an RA configured (it encrypts to RA and CA) and openssl verifies", async () => {
    const c = await newClientDir(work, "ra-enroll");
    const r = await runScepclient({ url: worker.url, challenge: CHALLENGE, keyPath: c.keyPath, certPath: c.certPath, cn: "interop-ra" });
    expect(r.issued, formatRun(r)).toBe(true);
    const v = await opensslVerify(ca.certPath, c.certPath);
    expect(v.ok, formatRun(v)).toBe(true);
    expect(summarizeCert(parsePem(r.certPem!)[0]!.der).subject).toContain("CN=interop-ra");
  });
});
