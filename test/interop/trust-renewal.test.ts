// Renewal credentials against the built Worker (docs/security.md, design rule 7): a certificate
// signs for its own renewal only while the ledger holds it delivered, unrevoked, unexpired and in
// its window, and only for the same subject and SANs. Issued certificates are read with node's
// X509Certificate and checked with openssl, parsers this project did not write.
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateCa } from "../../src/ca/ca-generate";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import { buildRequest, randomOctets as rb } from "../../src/client/enrollment";
import { certPem, newRsaKey, type ClientKey } from "../../src/client/certificates";
import type { RequestSigner as Signer } from "../../src/client/scep-client";
import { cn, gn, seq } from "../support/name-der";
import { rawCsr, sanExtension } from "../support/independent-pki";
import { AdminClient, MessageType, ScepTestClient, newAdminToken, normSerial, openssl } from "./support/admin-client";
import { opensslVerifyCert } from "./support/clients";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";
import { parseCertView } from "../../src/x509/cert-view";

const CHALLENGE = `renew-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();

let ca: TestCa;
let work: string;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Trust Renewal Test CA" });
  work = await mkdtemp(join(tmpdir(), "scep-trust-renewal-"));
});
afterAll(async () => {
  await ca?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Holder {
  key: ClientKey;
  der: Uint8Array;
  serial: string;
  signer: Signer;
}

class Fleet {
  constructor(
    readonly scep: ScepTestClient,
    readonly admin: AdminClient,
  ) {}

  static async start(bindings: Record<string, string>): Promise<{ worker: RunningWorker; fleet: Fleet }> {
    const worker = await startWorker({
      bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, ADMIN_TOKEN: TOKEN, ...bindings },
    });
    return { worker, fleet: new Fleet(await ScepTestClient.connect(worker.url), new AdminClient(worker.origin, TOKEN)) };
  }

  /** A first enrollment with the static challenge, optionally with SANs. */
  async enroll(commonName: string, sans?: Uint8Array): Promise<Holder> {
    const key = newRsaKey();
    const csrDer = rawCsr({ key: key.handle, subjectDer: cn(commonName), challenge: CHALLENGE, extensions: sans ? [sanExtension(sans)] : [] });
    const r = await this.scep.send(this.scep.pkcsReq({ key, cn: commonName, csrDer }));
    if (r.status !== PkiStatus.SUCCESS) throw new Error(`enroll ${commonName}: ${r.failInfoText}`);
    const der = r.certificates[0]!;
    return { key, der, serial: normSerial(new X509Certificate(Buffer.from(der)).serialNumber), signer: { cert: der, key: key.handle } };
  }

  /** A request for a new key signed by `old`: RenewalReq (scepclient) or PKCSReq (certmonger, macOS). */
  async renew(old: Holder, o: { messageType?: MessageType; subjectDer?: Uint8Array; sans?: Uint8Array; challenge?: string } = {}) {
    const key = newRsaKey();
    const subjectDer = o.subjectDer ?? parseCertView(old.der).subjectDer;
    const san = o.sans ?? sanOf(old.der);
    const csrDer = rawCsr({ key: key.handle, subjectDer, challenge: o.challenge, extensions: san ? [sanExtension(san)] : [] });
    const req = buildRequest({
      messageType: o.messageType ?? MessageType.RenewalReq,
      csrDer,
      signer: old.signer,
      recipients: this.scep.ca.recipients,
      cipher: "aes-128-cbc",
      hash: "sha256",
      transactionId: `tx-${Buffer.from(rb(12)).toString("hex")}`,
    });
    return { reply: await this.scep.send(req), key };
  }
}

/** The SAN extension value (GeneralNames DER) of an issued certificate, read with node's parser as a cross-check. */
function sanOf(der: Uint8Array): Uint8Array | undefined {
  const x = new X509Certificate(Buffer.from(der));
  if (!x.subjectAltName) return undefined;
  const names = x.subjectAltName.split(", ").map((entry) => {
    const [type, value] = [entry.slice(0, entry.indexOf(":")), entry.slice(entry.indexOf(":") + 1)];
    if (type === "DNS") return gn.dns(value);
    if (type === "email") return gn.email(value);
    throw new Error(`test helper: SAN ${type} not handled`);
  });
  return seq(...names);
}

function refusal(r: { status: PkiStatus; failInfo?: number; failInfoText?: string }): string {
  expect(r.status).toBe(PkiStatus.FAILURE);
  expect(r.failInfo).toBe(FailInfo.badRequest);
  return r.failInfoText ?? "";
}

describe("renewal is authorised by the ledger", () => {
  let worker: RunningWorker;
  let fleet: Fleet;

  beforeAll(async () => {
    ({ worker, fleet } = await Fleet.start({ CHALLENGE_MODE: "static" }));
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("a delivered, valid certificate renews by RenewalReq and by PKCSReq signed by it; the new one keeps subject and SANs", async () => {
    const old = await fleet.enroll("renew-ok", seq(gn.dns("renew-ok.corp.example")));
    for (const messageType of [MessageType.RenewalReq, MessageType.PKCSReq]) {
      const { reply } = await fleet.renew(old, { messageType });
      expect(reply.status, reply.failInfoText).toBe(PkiStatus.SUCCESS);
      const x = new X509Certificate(Buffer.from(reply.certificates[0]!));
      expect(x.subject).toBe("CN=renew-ok");
      expect(x.subjectAltName).toBe("DNS:renew-ok.corp.example");
      expect((await opensslVerifyCert(ca.certPath, certPem(reply.certificates[0]!))).ok).toBe(true);
    }
  });

  test("finding 1: a revoked certificate no longer renews, by RenewalReq or by a challenge-less PKCSReq", async () => {
    const old = await fleet.enroll("revoked-device");
    await fleet.admin.revoke(old.serial, "keyCompromise");
    const before = (await fleet.admin.stats()).certificates;
    for (const messageType of [MessageType.RenewalReq, MessageType.PKCSReq]) {
      const { reply } = await fleet.renew(old, { messageType });
      expect(refusal(reply)).toBe("the signing certificate is revoked");
    }
    expect((await fleet.admin.stats()).certificates).toBe(before);
  });

  test("a revoked signer with a valid challenge is a new enrollment like any other", async () => {
    const old = await fleet.enroll("revoked-rechallenged");
    await fleet.admin.revoke(old.serial, "keyCompromise");
    const { reply } = await fleet.renew(old, { messageType: MessageType.PKCSReq, challenge: CHALLENGE });
    expect(reply.status, reply.failInfoText).toBe(PkiStatus.SUCCESS);
    const { reply: wrong } = await fleet.renew(old, { messageType: MessageType.PKCSReq, challenge: "not-the-challenge" });
    expect(refusal(wrong)).toBe("the signing certificate is revoked; and the challenge password was not accepted");
  });

  test("finding 1: a certificate signed with the CA key outside the Worker (serverAuth, not in the ledger) does not renew", async () => {
    const key = newRsaKey();
    const keyPath = join(work, "outside.key");
    const csrPath = join(work, "outside.csr");
    const extPath = join(work, "outside.ext");
    const certPath = join(work, "outside.pem");
    await writeFile(keyPath, key.pem);
    await writeFile(extPath, "extendedKeyUsage = serverAuth\n");
    await openssl(["req", "-new", "-key", keyPath, "-subj", "/CN=www.bank.example", "-out", csrPath]);
    await openssl([
      "x509",
      "-req",
      "-in",
      csrPath,
      "-CA",
      ca.certPath,
      "-CAkey",
      ca.keyPath,
      "-days",
      "5",
      "-extfile",
      extPath,
      "-set_serial",
      "0x4242",
      "-out",
      certPath,
    ]);
    const der = new Uint8Array(
      Buffer.from((await openssl(["x509", "-in", certPath, "-outform", "PEM"])).stdout.replace(/-----[^-]+-----|\s/g, ""), "base64"),
    );
    const outside: Holder = { key, der, serial: "4242", signer: { cert: der, key: key.handle } };
    const { reply } = await fleet.renew(outside);
    expect(refusal(reply)).toBe("the signing certificate is not in this CA's records");
  });

  test("finding 2: a renewal may not change the SANs or the subject; the reason names the difference", async () => {
    const old = await fleet.enroll("deviceA");
    const grab = seq(gn.upn("administrator@corp.example"), gn.dns("www.bank.example"), gn.email("ceo@corp.example"), gn.ip("0a000001"));
    const { reply } = await fleet.renew(old, { sans: grab });
    expect(refusal(reply)).toBe(
      "a renewal must keep the identity of the signing certificate: SANs added: upn:administrator@corp.example, dns:www.bank.example, email:ceo@corp.example, ip:10.0.0.1",
    );
    const { reply: renamed } = await fleet.renew(old, { subjectDer: cn("deviceB") });
    expect(refusal(renamed)).toBe("a renewal must keep the identity of the signing certificate: the subject differs (CN=deviceA → CN=deviceB)");
  });
});

describe("renewal window, supersession and expiry", () => {
  test("RENEWAL_WINDOW_DAYS: a 30-day certificate (its CA lives 30 days) may not renew in its first days", async () => {
    const { worker, fleet } = await Fleet.start({ CHALLENGE_MODE: "static", RENEWAL_WINDOW_DAYS: "10" });
    try {
      const old = await fleet.enroll("early-bird");
      const { reply } = await fleet.renew(old);
      expect(refusal(reply)).toBe("the signing certificate may renew only in the last 10 days of its validity");
    } finally {
      await worker.stop();
    }
  });

  test("REVOKE_SUPERSEDED: the renewed certificate is revoked as superseded, listed on the CRL, and renews no more", async () => {
    const { worker, fleet } = await Fleet.start({ CHALLENGE_MODE: "static", REVOKE_SUPERSEDED: "true", RENEWAL_WINDOW_DAYS: "400" });
    try {
      const old = await fleet.enroll("superseded");
      const { reply } = await fleet.renew(old);
      expect(reply.status, reply.failInfoText).toBe(PkiStatus.SUCCESS);
      const record = await fleet.admin.ok<{ status: string; revocationReason: number }>("GET", `/admin/certificates/${old.serial}`);
      expect(record).toMatchObject({ status: "revoked", revocationReason: 4 });
      const crl = new Uint8Array(await (await fetch(`${worker.origin}/crl`)).arrayBuffer());
      const crlPath = join(work, "superseded.crl");
      await writeFile(crlPath, crl);
      const text = (await openssl(["crl", "-inform", "DER", "-in", crlPath, "-noout", "-text"])).stdout;
      expect(text).toContain(`Serial Number: ${old.serial}`);
      expect(text).toContain("Superseded");
      const { reply: again } = await fleet.renew(old);
      expect(refusal(again)).toBe("the signing certificate is revoked");
    } finally {
      await worker.stop();
    }
  });

  test("an expired certificate does not renew (its CA expired with it: the reason is the certificate's)", async () => {
    // A CA that lives 12 seconds: the certificate it issues ends with it.
    const shortCa = generateCa({
      subject: { commonName: "Short-lived Trust CA" },
      key: { algorithm: "rsa", bits: 2048 },
      validityDays: 12 / 86_400,
      now: new Date(),
      randomBytes: rb,
    });
    const worker = await startWorker({
      bindings: { CA_CERT: shortCa.certPem, CA_KEY: shortCa.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static", ADMIN_TOKEN: TOKEN },
    });
    try {
      const fleet = new Fleet(await ScepTestClient.connect(worker.url), new AdminClient(worker.origin, TOKEN));
      const old = await fleet.enroll("short-lived");
      const wait = new X509Certificate(Buffer.from(old.der)).validToDate.getTime() + 1500 - Date.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
      const { reply } = await fleet.renew(old);
      expect(refusal(reply)).toBe("the signing certificate has expired");
    } finally {
      await worker.stop();
    }
  }, 40_000);
});
