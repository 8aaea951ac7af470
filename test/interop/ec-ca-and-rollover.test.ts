// Two CA set-ups the other suites do not run end to end:
//  * an ECDSA (P-256) issuing CA with an RSA RA: SCEP envelopes need RSA key transport, so clients
//    encrypt to the RA while certificates and CRLs are signed with ECDSA (design.md, "RSA-only pain"
//    in scep-rfc-and-peers.md §4);
//  * CA rollover: NEXT_CA_CERT enables GetNextCACert (RFC 8894 §4.7), a SignedData signed by the
//    current CA holding the next CA certificate.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateCa, generateKeyPair, generateRaPair } from "../../src/ca/ca-generate";
import { loadCaMaterial } from "../../src/ca/ca-material";
import { buildCsr, selfSignedSigner } from "../../src/client/csr-builder";
import { getCaCaps, getCaCert, prepareRequest, readCertRep, sendPkiOperation } from "../../src/client/scep-client";
import { importPrivateKeyPem } from "../../src/crypto/keys";
import { certificateDer, parseCertificate } from "../support/pkijs";
import { parseCertsOnly } from "../../src/scep/certs-only";
import { MessageType, PkiStatus } from "../../src/scep/oids";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { toPem } from "../../src/asn1/pem";
import { SCEP_SUBMIT, SCEP_SUBMIT_EXIT, formatRun, pkcs7Pem, runCommand, scepSubmit } from "./support/clients";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `interop-ec-${crypto.randomUUID()}`;
const rnd = (n: number) => new Uint8Array(randomBytes(n));
const skip = !existsSync(SCEP_SUBMIT) && !process.env.CI;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "scep-interop-ec-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function opensslVerify(caPem: string, certDer: Uint8Array, name: string): Promise<string> {
  const ca = join(work, `${name}-ca.pem`);
  const cert = join(work, `${name}.pem`);
  await writeFile(ca, caPem);
  await writeFile(cert, toPem("CERTIFICATE", certDer));
  const r = await runCommand("openssl", ["verify", "-CAfile", ca, cert]);
  return r.stdout.trim() + r.stderr.trim();
}

describe.skipIf(skip)("ECDSA P-256 issuing CA with an RSA RA", () => {
  let worker: RunningWorker;
  let caPem: string;
  let raPem: string;

  beforeAll(async () => {
    const ca = generateCa({
      subject: { commonName: "Interop EC Issuing CA" },
      key: { algorithm: "ec", curve: "P-256" },
      validityDays: 30,
      now: new Date(),
      randomBytes: rnd,
    });
    const ra = generateRaPair({
      ca: loadCaMaterial({ caCertPem: ca.certPem, caKeyPem: ca.keyPem }, { issuerOnly: true }),
      now: new Date(),
      randomBytes: rnd,
    });
    caPem = ca.certPem;
    raPem = ra.certPem;
    worker = await startWorker({
      bindings: {
        CA_CERT: ca.certPem,
        CA_KEY: ca.keyPem,
        RA_CERT: ra.certPem,
        RA_KEY: ra.keyPem,
        SCEP_CHALLENGE: CHALLENGE,
        CHALLENGE_MODE: "static",
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("the project client enrolls: CertRep signed by the RA, certificate signed with ECDSA, openssl verifies it", async () => {
    const cas = await getCaCert({ url: worker.url });
    expect(cas.contentType).toBe("application/x-x509-ca-ra-cert");
    expect(cas.certificates).toHaveLength(2); // RA first, then the CA
    const key = importPrivateKeyPem(generateKeyPair({ algorithm: "rsa", bits: 2048 }).keyPem);
    const signer = { cert: selfSignedSigner(key, { commonName: "ec-device" }, new Date(), rnd), key };
    const req = prepareRequest({
      messageType: MessageType.PKCSReq,
      messageData: buildCsr({ key, subject: { commonName: "ec-device" }, challenge: CHALLENGE }),
      transactionId: "ec-ca-1",
      signer,
      recipients: [cas.certificates[0]!], // the RSA RA: an EC key cannot receive
      cipher: "aes-256-cbc",
      hash: "sha256",
      randomBytes: rnd,
    });
    const res = await sendPkiOperation({ url: worker.url }, req.der, "POST");
    const body = new Uint8Array(await res.arrayBuffer());
    expect(parsePkiMessage(body).signerCertDer).toEqual(cas.certificates[0]);
    const rep = readCertRep(body, { transactionId: "ec-ca-1", senderNonce: req.senderNonce, signer }, cas.certificates);
    expect(rep.status).toBe(PkiStatus.SUCCESS);
    const issued = parseCertificate(rep.certificates[0]!);
    expect(issued.signatureAlgorithm.algorithmId).toBe("1.2.840.10045.4.3.2"); // ecdsa-with-SHA256
    expect(await opensslVerify(caPem, rep.certificates[0]!, "ec-issued")).toMatch(/: OK$/);
  });

  test("certmonger scep-submit enrolls (encrypting to the RA) and its envelope opens", async () => {
    const key = importPrivateKeyPem(generateKeyPair({ algorithm: "rsa", bits: 2048 }).keyPem);
    const signer = { cert: selfSignedSigner(key, { commonName: "ec-certmonger" }, new Date(), rnd), key };
    const ra = parseCertificate(new Uint8Array(Buffer.from(raPem.replace(/-----[^-]+-----|\s+/g, ""), "base64")));
    const req = prepareRequest({
      messageType: MessageType.PKCSReq,
      messageData: buildCsr({ key, subject: { commonName: "ec-certmonger" }, challenge: CHALLENGE }),
      transactionId: "ec-ca-2",
      signer,
      recipients: [certificateDer(ra)],
      cipher: "aes-256-cbc",
      hash: "sha256",
      randomBytes: rnd,
    });
    const r = await scepSubmit({ op: "PKIOperation", url: worker.url, request: pkcs7Pem(req.der), raCertPem: raPem, caCertPem: caPem });
    expect(r.code, formatRun(r)).toBe(SCEP_SUBMIT_EXIT.ISSUED);
    expect(r.envelopePem).toBeDefined();
  });

  test("the CRL is signed with ECDSA and verifies against the CA", async () => {
    const res = await fetch(`${worker.origin}/crl.pem`);
    expect(res.status).toBe(200);
    const crl = join(work, "ec.crl.pem");
    const ca = join(work, "ec-ca.pem");
    await writeFile(crl, await res.text());
    await writeFile(ca, caPem);
    const r = await runCommand("openssl", ["crl", "-in", crl, "-CAfile", ca, "-noout", "-text"]);
    expect(r.stderr + r.stdout).toMatch(/verify OK/);
    expect(r.stdout).toMatch(/ecdsa-with-SHA256/);
  });
});

describe.skipIf(skip)("CA rollover: GetNextCACert", () => {
  let worker: RunningWorker;
  let current: { certPem: string; keyPem: string };
  let next: { certPem: string; certDer: Uint8Array };

  beforeAll(async () => {
    current = generateCa({
      subject: { commonName: "Interop Current CA" },
      key: { algorithm: "rsa", bits: 2048 },
      validityDays: 30,
      now: new Date(),
      randomBytes: rnd,
    });
    // The next CA is certified by the current one, so clients can chain it to what they trust.
    next = generateCa({
      subject: { commonName: "Interop Next CA" },
      key: { algorithm: "rsa", bits: 2048 },
      validityDays: 20,
      issuer: loadCaMaterial({ caCertPem: current.certPem, caKeyPem: current.keyPem }),
      now: new Date(),
      randomBytes: rnd,
    });
    worker = await startWorker({
      bindings: { CA_CERT: current.certPem, CA_KEY: current.keyPem, NEXT_CA_CERT: next.certPem, SCEP_CHALLENGE: CHALLENGE },
    });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("GetCACaps advertises GetNextCACert", async () => {
    expect(await getCaCaps({ url: worker.url })).toContain("GetNextCACert");
  });

  test("GetNextCACert: x-x509-next-ca-cert, signed by the current CA, holding the next CA certificate", async () => {
    const res = await fetch(`${worker.url}?operation=GetNextCACert&message=ca`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-x509-next-ca-cert");
    const der = new Uint8Array(await res.arrayBuffer());
    const body = join(work, "next.p7");
    const ca = join(work, "current-ca.pem");
    const out = join(work, "next-payload.der");
    await writeFile(body, der);
    await writeFile(ca, current.certPem);
    const r = await runCommand("openssl", [
      "cms",
      "-verify",
      "-inform",
      "DER",
      "-in",
      body,
      "-CAfile",
      ca,
      "-purpose",
      "any",
      "-out",
      out,
      "-binary",
    ]);
    expect(r.code, formatRun(r)).toBe(0);
    const payload = new Uint8Array(await (await import("node:fs/promises")).readFile(out));
    expect(parseCertsOnly(payload).certificates).toEqual([next.certDer]);
  });

  test("without NEXT_CA_CERT the operation is 404 and not advertised", async () => {
    const plain = await startWorker({ bindings: { CA_CERT: current.certPem, CA_KEY: current.keyPem, SCEP_CHALLENGE: CHALLENGE } });
    try {
      expect(await getCaCaps({ url: plain.url })).not.toContain("GetNextCACert");
      expect((await fetch(`${plain.url}?operation=GetNextCACert`)).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});
