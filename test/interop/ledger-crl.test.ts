// Revocation and the CRL, black-box: admin revoke -> GET /crl (RFC 5280 §5) checked by openssl,
// CRL numbers, caching, /crl.pem, GetCRL (22) over SCEP (RFC 8894 §3.3.4), openssl -crl_check,
// and the CRL DP / AIA caIssuers URLs that PUBLIC_BASE_URL puts into issued certificates.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { certPem, summarizeCert } from "../../src/client/certificates";
import { AdminClient, MessageType, ScepTestClient, keyPool, newAdminToken, normSerial, openssl, type BuiltRequest } from "./support/admin-client";
import { formatRun } from "./support/clients";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";
import { toPem } from "../../src/asn1/pem";

const CHALLENGE = `crl-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();
const BASE = "https://pki.example.test";

let ca: TestCa;
let worker: RunningWorker;
let scep: ScepTestClient;
let admin: AdminClient;
let work: string;
const issued: { name: string; der: Uint8Array; serial: string; path: string; req: BuiltRequest }[] = [];

interface FetchedCrl {
  der: Uint8Array;
  number: number;
  etag: string;
  contentType: string;
  cacheControl: string;
}

async function fetchCrl(path = "/crl"): Promise<FetchedCrl> {
  const res = await fetch(worker.origin + path);
  expect(res.status).toBe(200);
  const der = new Uint8Array(await res.arrayBuffer());
  const etag = res.headers.get("etag") ?? "";
  return {
    der,
    number: await crlNumber(der),
    etag,
    contentType: res.headers.get("content-type") ?? "",
    cacheControl: res.headers.get("cache-control") ?? "",
  };
}

async function crlText(der: Uint8Array): Promise<string> {
  const file = join(work, `crl-${crypto.randomUUID()}.der`);
  await writeFile(file, der);
  return (await openssl(["crl", "-inform", "DER", "-in", file, "-noout", "-text"])).stdout;
}

async function crlNumber(der: Uint8Array): Promise<number> {
  const m = /X509v3 CRL Number:\s*\n\s*(\d+)/.exec(await crlText(der));
  if (!m) throw new Error("no CRL Number in the CRL");
  return Number(m[1]);
}

const crlPem = (der: Uint8Array): string => toPem("X509 CRL", der);

describe("revocation and CRL publication", () => {
  beforeAll(async () => {
    ca = await createTestCa({ cn: "Ledger CRL Test CA" });
    worker = await startWorker({
      bindings: {
        CA_CERT: ca.certPem,
        CA_KEY: ca.keyPem,
        SCEP_CHALLENGE: CHALLENGE,
        CHALLENGE_MODE: "static",
        ADMIN_TOKEN: TOKEN,
        PUBLIC_BASE_URL: BASE,
        CRL_VALIDITY_HOURS: "24",
      },
    });
    scep = await ScepTestClient.connect(worker.url);
    admin = new AdminClient(worker.origin, TOKEN);
    work = await mkdtemp(join(tmpdir(), "scep-ledger-crl-"));
    const keys = keyPool(3);
    for (const [i, name] of ["crl-a", "crl-b", "crl-c"].entries()) {
      const req = scep.pkcsReq({ key: keys[i]!, cn: name, challenge: CHALLENGE });
      const r = await scep.send(req);
      expect(r.status).toBe(PkiStatus.SUCCESS);
      const der = r.certificates[0]!;
      const path = join(work, `${name}.pem`);
      await writeFile(path, certPem(der));
      issued.push({ name, der, serial: summarizeCert(der).serialHex, path, req });
    }
  });

  afterAll(async () => {
    await worker?.stop();
    await ca?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("with PUBLIC_BASE_URL, issued certificates carry the CRL distribution point and AIA caIssuers URLs", async () => {
    const text = (await openssl(["x509", "-noout", "-text", "-in", issued[0]!.path])).stdout;
    // Per CA key, so that the URLs outlive a CA rollover (docs/deployment.md).
    const keyId = /URI:https:\/\/pki\.example\.test\/crl\/([0-9a-f]{32})\n/.exec(text)?.[1];
    expect(keyId, text).toBeDefined();
    expect(text).toMatch(/X509v3 CRL Distribution Points:[\s\S]*?URI:https:\/\/pki\.example\.test\/crl\/[0-9a-f]{32}/);
    expect(text).toContain(`CA Issuers - URI:https://pki.example.test/ca/${keyId}.crt`);
    // /ca/<key id>.crt and /ca.crt serve the CA certificate those URLs point at; /crl/<key id> is /crl.
    for (const path of [`/ca/${keyId}.crt`, "/ca.crt"]) {
      const res = await fetch(`${worker.origin}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/pkix-cert");
      expect(Buffer.from(new Uint8Array(await res.arrayBuffer())).equals(Buffer.from(scep.caCertDers[0]!))).toBe(true);
    }
    const byKey = await fetch(`${worker.origin}/crl/${keyId}`);
    expect(byKey.status).toBe(200);
    expect(Buffer.from(await byKey.arrayBuffer()).equals(Buffer.from(await (await fetch(`${worker.origin}/crl`)).arrayBuffer()))).toBe(true);
    expect((await fetch(`${worker.origin}/crl/${"0".repeat(32)}`)).status).not.toBe(200);
  });

  test("revoke (keyCompromise) -> the CRL lists the serial, verifies, and its number moves only when something changed", async () => {
    const a = issued[0]!;
    const b = issued[1]!;
    const c = issued[2]!;

    const empty1 = await fetchCrl();
    const empty2 = await fetchCrl();
    expect(empty1.contentType).toBe("application/pkix-crl");
    expect(empty1.cacheControl).toMatch(/max-age=\d+/);
    expect(empty2.number).toBe(empty1.number);
    expect(Buffer.from(empty2.der).equals(Buffer.from(empty1.der))).toBe(true); // served from the cache
    expect(await crlText(empty1.der)).toContain("No Revoked Certificates");

    const revoked = await admin.revoke(a.serial, "keyCompromise");
    expect(revoked).toMatchObject({ status: "revoked", reason: 1, alreadyRevoked: false });

    const first = await fetchCrl();
    expect(first.number).toBeGreaterThan(empty1.number);
    expect(first.etag).toBe(`"crl-${first.number}"`);
    const text = await crlText(first.der);
    expect(text).toContain(`Serial Number: ${a.serial}`);
    expect(text).toContain("Key Compromise");
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*\d+/);
    expect(text).toMatch(/X509v3 Authority Key Identifier:/);
    expect(text).not.toContain(b.serial);

    const derFile = join(work, "crl1.der");
    await writeFile(derFile, first.der);
    const verify = await openssl(["crl", "-inform", "DER", "-in", derFile, "-CAfile", ca.certPath, "-verify", "-noout"], { allowFail: true });
    expect(verify.code, formatRun(verify)).toBe(0);
    expect(verify.stdout + verify.stderr).toContain("verify OK");

    // Nothing changed: same number and bytes; a conditional GET is answered 304.
    const again = await fetchCrl();
    expect(again.number).toBe(first.number);
    expect(Buffer.from(again.der).equals(Buffer.from(first.der))).toBe(true);
    const notModified = await fetch(`${worker.origin}/crl`, { headers: { "if-none-match": first.etag } });
    expect(notModified.status).toBe(304);
    // Revoking the same certificate again changes nothing.
    expect((await admin.revoke(a.serial, "keyCompromise")).alreadyRevoked).toBe(true);
    expect((await fetchCrl()).number).toBe(first.number);

    // PEM forms: /crl.pem and ?format=pem, same CRL.
    for (const path of ["/crl.pem", "/crl?format=pem"]) {
      const res = await fetch(worker.origin + path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/x-pem-file");
      const pem = await res.text();
      expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+\n-----END X509 CRL-----\n?$/);
      expect(pem.replace(/\s+/g, "")).toBe(crlPem(first.der).replace(/\s+/g, ""));
    }

    // GetCRL (22) over SCEP: the same CRL in the crls field of a degenerate SignedData.
    const getCrl = await scep.send(scep.issuerAndSerial(MessageType.GetCRL, c.req.signer, c.serial));
    expect(getCrl.status).toBe(PkiStatus.SUCCESS);
    expect(getCrl.certificates).toHaveLength(0);
    expect(getCrl.crls).toHaveLength(1);
    expect(Buffer.from(getCrl.crls[0]!).equals(Buffer.from(first.der))).toBe(true);

    // openssl verify -crl_check: the revoked certificate fails, another passes.
    const crlFile = join(work, "crl1.pem");
    await writeFile(crlFile, crlPem(first.der));
    const bad = await openssl(["verify", "-crl_check", "-CRLfile", crlFile, "-CAfile", ca.certPath, a.path], { allowFail: true });
    expect(bad.code, formatRun(bad)).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain("certificate revoked");
    const good = await openssl(["verify", "-crl_check", "-CRLfile", crlFile, "-CAfile", ca.certPath, b.path], { allowFail: true });
    expect(good.code, formatRun(good)).toBe(0);
    expect(good.stdout).toMatch(/: OK\s*$/m);

    // A second revocation: a higher CRL number listing both.
    await admin.revoke(b.serial, 4);
    const second = await fetchCrl();
    expect(second.number).toBeGreaterThan(first.number);
    const text2 = await crlText(second.der);
    expect(text2).toContain(`Serial Number: ${a.serial}`);
    expect(text2).toContain(`Serial Number: ${b.serial}`);
    expect(text2).toContain("Superseded");
    expect(text2).not.toContain(c.serial);
    expect((await fetchCrl()).number).toBe(second.number);

    // The ledger agrees.
    const stats = await admin.stats();
    expect(stats).toMatchObject({ certificates: 3, valid: 1, revoked: 2 });
    const listed = await admin.listAll({ status: "revoked" });
    expect(listed.items.map((i) => normSerial(i.serial)).sort()).toEqual([a.serial, b.serial].map(normSerial).sort());
    expect(listed.items.find((i) => normSerial(i.serial) === normSerial(a.serial))?.revocationReason).toBe(1);
  });
});
