// Revocations outlive the CA certificate (finding 3 of the trust review), and a CA rollover keeps
// the old CA serving: the ledger is named after the CA *key*, so re-issuing the CA certificate
// keeps every record and the CRL number; after a rollover the old CA is retired (RETIRED_CA_CERTS
// and RETIRED_CA_KEYS): it signs its own CRL at /crl/<ca-key-id>, its certificates stay revocable
// and renew into the new CA. One persisted storage directory across three Worker processes.
import { X509Certificate, createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import { buildRequest, randomOctets as rb } from "../../src/client/enrollment";
import { certPem, newRsaKey, type ClientKey } from "../../src/client/certificates";
import type { RequestSigner as Signer } from "../../src/client/scep-client";
import { rawCsr } from "../support/independent-pki";
import { AdminClient, MessageType, ScepTestClient, newAdminToken, normSerial, openssl } from "./support/admin-client";
import { opensslVerifyCert } from "./support/clients";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";
import { parseCertView } from "../../src/x509/cert-view";
import { tlv } from "../../src/asn1/der";
import { hexToBytes } from "../../src/util/bytes";

const CHALLENGE = `rollover-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();
const BASE = "https://pki.example.test";

let work: string;
let persist: string;

interface Ca {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
  keyId: string;
}

const CA_EXT = [
  "[req]",
  "distinguished_name = dn",
  "[dn]",
  "[v3]",
  "basicConstraints = critical, CA:true",
  "keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign, cRLSign",
  "subjectKeyIdentifier = hash",
  "",
];

/** A root CA made by openssl; with `keyPath`, a re-issued certificate for an existing key and subject. */
async function makeCa(name: string, cnText: string, keyPath?: string): Promise<Ca> {
  const ext = join(work, `${name}.cnf`);
  await writeFile(ext, CA_EXT.join("\n"));
  const key = keyPath ?? join(work, `${name}.key`);
  if (!keyPath) await openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key]);
  const certPath = join(work, `${name}.pem`);
  const serial = `0x${Buffer.from(rb(12)).toString("hex")}`;
  await openssl([
    "req",
    "-x509",
    "-new",
    "-config",
    ext,
    "-extensions",
    "v3",
    "-key",
    key,
    "-sha256",
    "-days",
    "30",
    "-subj",
    `/O=Edge SCEP Tests/CN=${cnText}`,
    "-set_serial",
    serial,
    "-out",
    certPath,
  ]);
  const certText = await readFile(certPath, "utf8");
  const spki = new X509Certificate(certText).publicKey.export({ type: "spki", format: "der" });
  return {
    certPath,
    keyPath: key,
    certPem: certText,
    keyPem: await readFile(key, "utf8"),
    keyId: createHash("sha256").update(spki).digest("hex").slice(0, 32),
  };
}

interface Holder {
  key: ClientKey;
  der: Uint8Array;
  serial: string;
  signer: Signer;
}

async function enroll(scep: ScepTestClient, name: string): Promise<Holder> {
  const key = newRsaKey();
  const r = await scep.send(scep.pkcsReq({ key, cn: name, challenge: CHALLENGE }));
  expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
  const der = r.certificates[0]!;
  return { key, der, serial: normSerial(new X509Certificate(Buffer.from(der)).serialNumber), signer: { cert: der, key: key.handle } };
}

async function renew(scep: ScepTestClient, old: Holder) {
  const key = newRsaKey();
  const csrDer = rawCsr({ key: key.handle, subjectDer: parseCertView(old.der).subjectDer });
  const req = buildRequest({
    messageType: MessageType.RenewalReq,
    csrDer,
    signer: old.signer,
    recipients: scep.ca.recipients,
    cipher: "aes-128-cbc",
    hash: "sha256",
    transactionId: `tx-${Buffer.from(rb(10)).toString("hex")}`,
  });
  return scep.send(req);
}

async function crl(worker: RunningWorker, path: string, ca: Ca) {
  const res = await fetch(worker.origin + path);
  expect(res.status).toBe(200);
  const file = join(work, `crl-${crypto.randomUUID()}.der`);
  await writeFile(file, new Uint8Array(await res.arrayBuffer()));
  // `openssl crl -verify` checks the signature with the issuing CA's key (exit 0, "verify OK").
  const verified = await openssl(["crl", "-inform", "DER", "-in", file, "-CAfile", ca.certPath, "-verify", "-noout", "-text"]);
  expect(verified.stderr + verified.stdout).toContain("verify OK");
  const number = Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec(verified.stdout)?.[1]);
  return { text: verified.stdout, number, file };
}

function bindings(ca: Ca, extra: Record<string, string> = {}) {
  return {
    CA_CERT: ca.certPem,
    CA_KEY: ca.keyPem,
    SCEP_CHALLENGE: CHALLENGE,
    CHALLENGE_MODE: "static",
    ADMIN_TOKEN: TOKEN,
    PUBLIC_BASE_URL: BASE,
    ...extra,
  };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "scep-rollover-"));
  persist = join(work, "storage");
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("revocations outlive the CA certificate, and a rolled-over CA stays served", () => {
  let oldCa: Ca;
  let reissued: Ca;
  let newCa: Ca;
  const devices: Record<string, Holder> = {};
  let firstCrlNumber = 0;

  test("the first CA issues with per-CA CRL and CA URLs, and revokes one certificate", async () => {
    oldCa = await makeCa("old", "Rollover CA");
    const w = await startWorker({ bindings: bindings(oldCa), persistPath: persist });
    try {
      const scep = await ScepTestClient.connect(w.url);
      for (const name of ["compromised", "renews-later", "revoked-after-rollover"]) devices[name] = await enroll(scep, name);
      const text = (await openssl(["x509", "-noout", "-text"], { input: certPem(devices.compromised!.der) })).stdout;
      expect(text).toContain(`URI:${BASE}/crl/${oldCa.keyId}`);
      expect(text).toContain(`CA Issuers - URI:${BASE}/ca/${oldCa.keyId}.crt`);
      await new AdminClient(w.origin, TOKEN).revoke(devices.compromised!.serial, "keyCompromise");
      const list = await crl(w, "/crl", oldCa);
      expect(list.text).toContain(`Serial Number: ${devices.compromised!.serial}`);
      firstCrlNumber = list.number;
      const byKey = await crl(w, `/crl/${oldCa.keyId}`, oldCa);
      expect(byKey.number).toBe(firstCrlNumber);
    } finally {
      await w.stop();
    }
  });

  test("finding 3: the CA certificate re-issued for the same key keeps every record and the CRL number rising", async () => {
    reissued = await makeCa("reissued", "Rollover CA", oldCa.keyPath);
    expect(reissued.keyId).toBe(oldCa.keyId);
    expect(new X509Certificate(reissued.certPem).serialNumber).not.toBe(new X509Certificate(oldCa.certPem).serialNumber);
    const w = await startWorker({ bindings: bindings(reissued), persistPath: persist });
    try {
      const admin = new AdminClient(w.origin, TOKEN);
      expect(await admin.ok("GET", `/admin/certificates/${devices.compromised!.serial}`)).toMatchObject({ status: "revoked", revocationReason: 1 });
      const list = await crl(w, "/crl", reissued);
      expect(list.text).toContain(`Serial Number: ${devices.compromised!.serial}`);
      expect(list.number).toBeGreaterThan(firstCrlNumber);
      const scep = await ScepTestClient.connect(w.url);
      const refused = await renew(scep, devices.compromised!);
      expect(refused.status).toBe(PkiStatus.FAILURE);
      expect(refused.failInfo).toBe(FailInfo.badRequest);
      expect(refused.failInfoText).toBe("the signing certificate is revoked");
    } finally {
      await w.stop();
    }
  });

  test("after a rollover the old CA is retired: its CRL, its records, and renewals into the new CA", async () => {
    newCa = await makeCa("new", "Rollover CA 2");
    const w = await startWorker({
      bindings: bindings(newCa, { RETIRED_CA_CERTS: reissued.certPem, RETIRED_CA_KEYS: oldCa.keyPem }),
      persistPath: persist,
    });
    try {
      const scep = await ScepTestClient.connect(w.url);
      const admin = new AdminClient(w.origin, TOKEN);
      expect(normSerial(new X509Certificate(Buffer.from(scep.caCertDers[0]!)).serialNumber)).toBe(
        normSerial(new X509Certificate(newCa.certPem).serialNumber),
      );

      // /crl is the new CA's; the old CA's keeps its entries and its numbering at /crl/<key id>.
      const current = await crl(w, "/crl", newCa);
      expect(current.text).not.toContain(devices.compromised!.serial);
      const retired = await crl(w, `/crl/${oldCa.keyId}`, reissued);
      expect(retired.text).toContain(`Serial Number: ${devices.compromised!.serial}`);
      expect(retired.number).toBeGreaterThan(firstCrlNumber);
      expect(new Uint8Array(await (await fetch(`${w.origin}/ca/${oldCa.keyId}.crt`)).arrayBuffer())).toEqual(
        new Uint8Array(new X509Certificate(reissued.certPem).raw),
      );

      // An old certificate is still found and revoked in its own CA's ledger.
      const cas = await admin.ok<{ items: { keyId: string; status: string }[] }>("GET", "/admin/cas");
      expect(cas.items.map((c) => `${c.keyId}:${c.status}`)).toEqual([`${newCa.keyId}:current`, `${oldCa.keyId}:retired`]);
      const old = devices["renews-later"]!;
      const fresh = await enroll(scep, "new-ca-device");
      expect(new X509Certificate(Buffer.from(fresh.der)).issuer).toContain("Rollover CA 2");

      // Renewal signed by an old-CA certificate gets a new-CA certificate.
      const renewed = await renew(scep, old);
      expect(renewed.status, renewed.failInfoText).toBe(PkiStatus.SUCCESS);
      const x = new X509Certificate(Buffer.from(renewed.certificates[0]!));
      expect(x.subject).toBe("CN=renews-later");
      expect((await opensslVerifyCert(newCa.certPath, certPem(renewed.certificates[0]!))).ok).toBe(true);
      expect((await openssl(["x509", "-noout", "-text"], { input: certPem(renewed.certificates[0]!) })).stdout).toContain(
        `URI:${BASE}/crl/${newCa.keyId}`,
      );

      const late = devices["revoked-after-rollover"]!;
      const revoke = await admin.ok<{ ca: string }>("POST", `/admin/certificates/${late.serial}/revoke`, { reason: "cessationOfOperation" });
      expect(revoke.ca).toBe(oldCa.keyId);
      const after = await crl(w, `/crl/${oldCa.keyId}`, reissued);
      expect(after.text).toContain(`Serial Number: ${late.serial}`);
      expect(after.text).toContain(`Serial Number: ${devices.compromised!.serial}`);
      // openssl -crl_check with the retired CA's CRL rejects the revoked old certificate.
      const leaf = join(work, "old-leaf.pem");
      await writeFile(leaf, certPem(late.der));
      const pem = join(work, "retired-crl.pem");
      await writeFile(pem, (await openssl(["crl", "-inform", "DER", "-in", after.file])).stdout);
      const check = await openssl(["verify", "-crl_check", "-CAfile", reissued.certPath, "-CRLfile", pem, leaf], { allowFail: true });
      expect(check.stdout + check.stderr).toMatch(/certificate revoked/);

      // GetCRL over SCEP answers with the CRL of the CA that issued the named serial.
      const issuerAndSerial = tlv(0x30, parseCertView(late.der).issuerDer, tlv(0x02, hexToBytes(late.serial)));
      const getCrl = await scep.send(
        buildRequest({
          messageType: MessageType.GetCRL,
          csrDer: issuerAndSerial,
          signer: late.signer,
          recipients: scep.ca.recipients,
          cipher: "aes-128-cbc",
          hash: "sha256",
          transactionId: "getcrl-retired",
        }),
      );
      expect(getCrl.status).toBe(PkiStatus.SUCCESS);
      const fromScep = join(work, "getcrl.der");
      await writeFile(fromScep, getCrl.crls[0]!);
      expect((await openssl(["crl", "-inform", "DER", "-in", fromScep, "-noout", "-issuer"])).stdout).toContain("Rollover CA");
      expect((await openssl(["crl", "-inform", "DER", "-in", fromScep, "-CAfile", reissued.certPath, "-verify", "-noout"])).stderr).toContain(
        "verify OK",
      );

      // And the compromised one still cannot renew, into either CA.
      const refused = await renew(scep, devices.compromised!);
      expect(refused.failInfoText).toBe("the signing certificate is revoked");
    } finally {
      await w.stop();
    }
  });
});
