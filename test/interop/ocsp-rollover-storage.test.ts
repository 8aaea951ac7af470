// OCSP across a CA rollover, and what it leaves at rest. A retired CA answers for its own
// certificates through its own responder (issued by the retired CA key, recorded in the retired
// CA's ledger); the current CA through its own. Afterwards the SQLite files of both ledgers are read
// directly: each responder key is there only sealed (it opens with a key derived from its CA key
// and matches the recorded responder certificate), never in clear, and never in the Worker's logs.
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { certPem, newRsaKey } from "../../src/client/certificates";
import { caKeyId } from "../../src/ca/ca-set";
import { importPrivateKeyPem } from "../../src/crypto/keys";
import { open } from "../../src/crypto/seal";
import { sealLabel } from "../../src/ocsp/responder";
import { PkiStatus } from "../../src/scep/oids";
import { AdminClient, newAdminToken, normSerial, ScepTestClient } from "./support/admin-client";
import { queryOcsp } from "./support/ocsp-client";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `ocsp-roll-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();
let work: string;
let persist: string;
let oldCa: TestCa;
let newCa: TestCa;
const certs: Record<string, string> = {};

// Everything the Worker logs.
const logged: string[] = [];
const onLog = (_level: string, message: string) => void logged.push(message);

function keyIdOf(ca: TestCa): string {
  return caKeyId(new Uint8Array(new X509Certificate(ca.certPem).publicKey.export({ type: "spki", format: "der" })));
}

async function enroll(url: string, name: string): Promise<void> {
  const scep = await ScepTestClient.connect(url);
  const r = await scep.send(scep.pkcsReq({ key: newRsaKey(), cn: name, challenge: CHALLENGE }));
  expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
  certs[name] = join(work, `${name}.pem`);
  await writeFile(certs[name]!, certPem(r.certificates[0]!));
}

const bindings = (ca: TestCa, extra: Record<string, string> = {}) => ({
  CA_CERT: ca.certPem,
  CA_KEY: ca.keyPem,
  SCEP_CHALLENGE: CHALLENGE,
  CHALLENGE_MODE: "static",
  ADMIN_TOKEN: TOKEN,
  ...extra,
});

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "scep-ocsp-roll-"));
  persist = join(work, "storage");
  oldCa = await createTestCa({ cn: "OCSP Old CA" });
  newCa = await createTestCa({ cn: "OCSP New CA" });
});

afterAll(async () => {
  await oldCa?.cleanup();
  await newCa?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("a retired CA answers for its own certificates", () => {
  test("before the rollover: the first CA answers through its responder", async () => {
    const w = await startWorker({ bindings: bindings(oldCa), persistPath: persist, onLog });
    try {
      await enroll(w.url, "old-good");
      await enroll(w.url, "old-revoked");
      const admin = new AdminClient(w.origin, TOKEN);
      await admin.revoke(normSerial(new X509Certificate(await readFile(certs["old-revoked"]!)).serialNumber), "keyCompromise");
      const r = await queryOcsp({ url: `${w.origin}/ocsp`, caPath: oldCa.certPath, certs: [certs["old-good"]!] });
      expect(r.ok, r.out).toBe(true);
      expect(r.statuses[certs["old-good"]!]).toBe("good");
    } finally {
      await w.stop();
    }
  });

  test("after it: old certificates are answered by the retired CA's responder, new ones by the new CA's", async () => {
    const w = await startWorker({
      bindings: bindings(newCa, { RETIRED_CA_CERTS: oldCa.certPem, RETIRED_CA_KEYS: oldCa.keyPem }),
      persistPath: persist,
      onLog,
    });
    try {
      const url = `${w.origin}/ocsp`;
      const old = await queryOcsp({ url, caPath: oldCa.certPath, certs: [certs["old-good"]!, certs["old-revoked"]!] });
      expect(old.ok, old.out).toBe(true);
      expect(old.statuses).toMatchObject({ [certs["old-good"]!]: "good", [certs["old-revoked"]!]: "revoked" });
      expect(old.out).toContain("Reason: keyCompromise");
      expect(old.out).toMatch(/Issuer: O ?= ?Edge SCEP Tests, CN ?= ?OCSP Old CA/);
      expect(old.out).toContain(`OCSP Responder ${keyIdOf(oldCa)}`);

      await enroll(w.url, "new-good");
      const fresh = await queryOcsp({ url, caPath: newCa.certPath, certs: [certs["new-good"]!], nonce: false });
      expect(fresh.ok, fresh.out).toBe(true);
      expect(fresh.statuses[certs["new-good"]!]).toBe("good");
      expect(fresh.out).toContain(`OCSP Responder ${keyIdOf(newCa)}`);
      // The old CA does not vouch for the new CA's certificate, nor the reverse.
      const crossed = await queryOcsp({ url, caPath: oldCa.certPath, certs: [certs["new-good"]!] });
      expect(crossed.ok).toBe(false);
    } finally {
      await w.stop(); // flushes both ledgers to disk
    }
  });
});

describe("at rest and in the logs", () => {
  test("each responder key is stored only sealed under its CA, opens to the recorded certificate's key, and never appears in clear", async () => {
    const { DatabaseSync } = await import("node:sqlite");
    const files: string[] = [];
    for (const entry of await readdir(persist, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.endsWith(".sqlite")) files.push(join(entry.parentPath, entry.name));
    }
    const cas = [oldCa, newCa].map((ca) => ({ key: importPrivateKeyPem(ca.keyPem), keyId: keyIdOf(ca) }));
    const blobs: Buffer[] = [];
    const secrets: { pkcs8: Buffer; d: Buffer }[] = [];
    for (const file of files) {
      const db = new DatabaseSync(file, { readOnly: true });
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      for (const name of tables) {
        for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
          for (const v of Object.values(row)) if (v instanceof Uint8Array || typeof v === "string") blobs.push(Buffer.from(v as Uint8Array));
        }
      }
      if (tables.includes("ocsp_responders")) {
        const rows = db.prepare("SELECT r.serial, r.sealed_key, c.der FROM ocsp_responders r JOIN certificates c ON c.serial = r.serial").all() as {
          serial: string;
          sealed_key: Uint8Array;
          der: Uint8Array;
        }[];
        for (const row of rows) {
          const opened = cas.map((ca) => open(ca.key, sealLabel(ca.keyId, row.serial), new Uint8Array(row.sealed_key))).find(Boolean);
          expect(opened, `responder ${row.serial} opens under its CA key`).toBeDefined();
          const key = createPrivateKey({ key: Buffer.from(opened!), format: "der", type: "pkcs8" });
          const spki = createPublicKey(key).export({ type: "spki", format: "der" });
          expect(spki.equals(new X509Certificate(Buffer.from(row.der)).publicKey.export({ type: "spki", format: "der" }))).toBe(true);
          secrets.push({ pkcs8: Buffer.from(opened!), d: Buffer.from(key.export({ format: "jwk" }).d!, "base64url") });
        }
      }
      db.close();
    }
    expect(secrets.length).toBeGreaterThanOrEqual(2); // one per CA
    const logs = logged.join("");
    expect(logs).toContain("ocsp-responder-issued");
    for (const { pkcs8, d } of secrets) {
      for (const blob of blobs) {
        expect(blob.includes(d)).toBe(false);
        expect(blob.includes(pkcs8)).toBe(false);
      }
      for (const form of [d.toString("hex"), d.toString("base64"), d.toString("base64url"), pkcs8.toString("base64").slice(0, 48)])
        expect(logs.includes(form)).toBe(false);
    }
  });
});
