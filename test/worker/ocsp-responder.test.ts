// The delegated OCSP responder's life inside workerd, with the real ledger Durable Object and a
// clock the test moves: issued from the CA key and recorded in the CA's ledger like every
// certificate, its key sealed at rest, reused rather than re-issued, replaced at half its life, and
// replaced at once when an admin revokes it. Plus the ledger's status reads and revision.
import { env } from "cloudflare:workers";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../src/config";
import { open } from "../../src/crypto/seal";
import type { Runtime } from "../../src/enroll/ports";
import type { Env } from "../../src/env";
import type { Ledger } from "../../src/ledger/ledger";
import type { CertificateInput, TransactionInput } from "../../src/ledger/types";
import { forgetResponders, responderFor, sealLabel } from "../../src/ocsp/responder";
import { parseCertView } from "../../src/x509/cert-view";

const DAY = 86_400_000;
const config = loadConfig(env as unknown as Env) as Config;
const ca = config.cas.current;
const settings = { ...config.ocsp, mode: "delegated" as const, responderValiditySeconds: 7 * 86_400 };
const newLedger = () => (env as unknown as { LEDGER: DurableObjectNamespace<Ledger> }).LEDGER.getByName(`ocsp-${crypto.randomUUID()}`);

function clock(start: number): Runtime & { at: number; logs: string[] } {
  const rt = {
    at: start,
    logs: [] as string[],
    now: () => new Date(rt.at),
    randomBytes: (n: number) => crypto.getRandomValues(new Uint8Array(n)),
    log: (event: string, fields: Record<string, unknown>) => void rt.logs.push(JSON.stringify({ event, ...fields })),
  };
  return rt;
}

async function responders(ledger: ReturnType<typeof newLedger>) {
  return (await ledger.listCertificates({ limit: 50 })).items.filter((c) => c.profile === "ocsp-responder");
}

beforeEach(() => forgetResponders());

describe("the delegated responder", () => {
  it("is issued once from the CA key, recorded in the CA's ledger, its key sealed", async () => {
    const ledger = newLedger();
    const rt = clock(Date.now());
    const first = await responderFor(ca, settings, ledger, rt);
    const certs = await responders(ledger);
    expect(certs).toHaveLength(1);
    const row = certs[0]!;
    expect(row).toMatchObject({
      status: "valid",
      delivered: true,
      lineage: "ocsp-responder",
      challengeKind: "ocsp-responder",
      subject: `CN=OCSP Responder ${ca.keyId}`,
    });
    const certDer = (await ledger.certificateDer(row.serial))!.der;
    expect(first.signer.certDer).toEqual(certDer);
    expect(parseCertView(certDer).issuerDer).toEqual(ca.material.caSubjectDer);

    // The stored key: sealed (AES-GCM under a key derived from the CA key), bound to its serial by the label.
    const stored = (await ledger.ocspResponder(ca.material.fingerprintSha256Hex, rt.at, 0)).current!;
    const pkcs8 = open(ca.material.caKey, sealLabel(ca.keyId, row.serial), stored.sealedKey)!;
    expect(pkcs8).toBeDefined();
    expect(Buffer.from(stored.sealedKey).includes(Buffer.from(pkcs8.subarray(pkcs8.length - 64)))).toBe(false);
    expect(open(ca.material.caKey, sealLabel(ca.keyId, "00"), stored.sealedKey)).toBeUndefined();
    const spki = createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" })).export({ type: "spki", format: "der" });
    expect(new Uint8Array(spki)).toEqual(parseCertView(certDer).spkiDer);
    expect(rt.logs.join("\n")).not.toContain(Buffer.from(pkcs8).toString("base64").slice(0, 40));
  });

  it("is reused by a fresh isolate instead of re-issued, and replaced once half its life has passed", async () => {
    const ledger = newLedger();
    const rt = clock(Date.now());
    const first = await responderFor(ca, settings, ledger, rt);
    forgetResponders(); // another isolate
    rt.at += 3 * DAY;
    const again = await responderFor(ca, settings, ledger, rt);
    expect(again.signer.certDer).toEqual(first.signer.certDer);
    expect(await responders(ledger)).toHaveLength(1);
    rt.at += 0.6 * DAY; // 3.6 days: past half of 7
    const next = await responderFor(ca, settings, ledger, rt);
    expect(next.signer.certDer).not.toEqual(first.signer.certDer);
    expect(next.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());
    expect(await responders(ledger)).toHaveLength(2); // the old one stays on record
  });

  it("while one caller rotates, the others keep the current responder (the lease)", async () => {
    const ledger = newLedger();
    const rt = clock(Date.now());
    await responderFor(ca, settings, ledger, rt);
    const due = rt.at + 3.6 * DAY;
    const sha = ca.material.fingerprintSha256Hex;
    const a = await ledger.ocspResponder(sha, due, 3.5 * DAY);
    const b = await ledger.ocspResponder(sha, due, 3.5 * DAY);
    expect(a.rotate).toBe(true);
    expect(b.rotate).toBe(false);
    expect(b.current?.serial).toBe(a.current?.serial);
    expect((await ledger.ocspResponder(sha, due + 61_000, 3.5 * DAY)).rotate).toBe(true); // the lease ran out
  });

  it("an admin revocation of the responder certificate replaces it at once", async () => {
    const ledger = newLedger();
    const rt = clock(Date.now());
    const first = await responderFor(ca, settings, ledger, rt);
    const [row] = await responders(ledger);
    expect(await ledger.revoke(row!.serial, 1, rt.at)).toBe("revoked");
    forgetResponders();
    const next = await responderFor(ca, settings, ledger, rt);
    expect(next.signer.certDer).not.toEqual(first.signer.certDer);
  });

  it("OCSP_RESPONDER=ca signs with the CA key and never touches the ledger", async () => {
    const untouchable = new Proxy({}, { get: () => () => Promise.reject(new Error("ledger touched")) });
    const active = await responderFor(ca, { ...settings, mode: "ca" }, untouchable as never, clock(Date.now()));
    expect(active.signer.key).toBe(ca.material.caKey);
    expect(active.signer.certDer).toBeUndefined();
  });
});

describe("the ledger's OCSP reads", () => {
  const tx = (id: string): TransactionInput => ({
    transactionId: id,
    requestKey: "",
    csrSha256: `c-${id}`,
    csrDer: new Uint8Array([0x30, 0]),
    signerSha256: "s",
    subject: "CN=x",
    messageType: 19,
    challengeKind: "static",
    lineage: "static",
    profile: "default",
    sans: "",
  });
  const cert = (serial: string): CertificateInput => ({
    serial,
    subject: "CN=x",
    sans: "",
    notBefore: 0,
    notAfter: Date.now() + DAY,
    sha1: "00",
    sha256: "00",
    der: new Uint8Array([0x30, 0]),
  });

  it("statuses and the revision in one read; every revocation moves the revision", async () => {
    const ledger = newLedger();
    await ledger.recordIssuance(tx("a"), cert("0A"), Date.now());
    await ledger.recordIssuance(tx("b"), cert("0B"), Date.now());
    const before = await ledger.ocspStatus(["0A", "0B", "0C"]);
    expect(before.entries).toEqual({ "0A": { status: "valid" }, "0B": { status: "valid" }, "0C": { status: "unknown" } });
    expect(await ledger.ocspRevision()).toBe(before.revision);
    await ledger.revoke("0B", 1, 1_700_000_000_000);
    const after = await ledger.ocspStatus(["0B"]);
    expect(after.entries["0B"]).toEqual({ status: "revoked", revokedAt: 1_700_000_000_000, reason: 1 });
    expect(after.revision).toBe(before.revision + 1);
    expect(await ledger.ocspRevision()).toBe(after.revision);
  });

  it("traffic counters add up, and names or values a caller should not send are dropped", async () => {
    const ledger = newLedger();
    await ledger.addOcspCounts({ good: 2, "cache.hit": 5 });
    await ledger.addOcspCounts({ good: 1, "bad name; DROP": 3, revoked: -4, unknown: 1.5 });
    expect(await ledger.ocspCounts()).toEqual({ "cache.hit": 5, good: 3 });
  });
});
