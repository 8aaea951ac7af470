// Renewal credentials inside the ledger (src/ledger/renewal-store.ts): the check and the record of
// the new certificate share one storage transaction, so a revocation committed first always wins;
// expiry, grace, window and lineage are decided against the time the Worker passes in.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Ledger } from "../../src/ledger/ledger";
import type { CertificateInput, RenewalPolicy, TransactionInput } from "../../src/ledger/types";

const ledger = () => (env as unknown as { LEDGER: DurableObjectNamespace<Ledger> }).LEDGER.getByName(`renewal-${crypto.randomUUID()}`);
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const POLICY: RenewalPolicy = { kinds: ["static", "one-time"], graceMs: 0 };
const OLD_SHA = "AB".repeat(32);

function tx(id: string, kind: TransactionInput["challengeKind"], extra: Partial<TransactionInput> = {}): TransactionInput {
  return {
    transactionId: id,
    requestKey: "",
    csrSha256: `csr-${id}`,
    csrDer: new Uint8Array([0x30, 0x00]),
    signerSha256: "s",
    subject: "CN=device",
    messageType: 19,
    challengeKind: kind,
    lineage: kind === "renewal" ? "static" : kind,
    profile: "default",
    sans: "",
    ...extra,
  };
}

function cert(serial: string, sha256 = "CD".repeat(32), notAfter = NOW + 365 * DAY): CertificateInput {
  return { serial, subject: "CN=device", sans: "", notBefore: NOW - DAY, notAfter, sha1: "00", sha256, der: new Uint8Array([0x30, 0x00]) };
}

/** A renewal of serial 01 (issued with a static challenge) by its signature. */
function renewal(id: string, policy = POLICY, supersede = false): TransactionInput {
  return tx(id, "renewal", {
    requestKey: "01",
    signerSha256: OLD_SHA.toLowerCase(),
    renewalOf: { serial: "01", sha256: OLD_SHA, authorises: true, policy, supersede },
  });
}

async function withOld(notAfter = NOW + 365 * DAY, lineage: TransactionInput["lineage"] = "static") {
  const l = ledger();
  expect(await l.recordIssuance(tx("first", lineage === "static" ? "static" : lineage, { lineage }), cert("01", OLD_SHA, notAfter), NOW)).toEqual({
    kind: "recorded",
  });
  return l;
}

describe("renewal by signature", () => {
  it("a revocation committed before the renewal's record refuses it, and nothing is written", async () => {
    const l = await withOld();
    expect(await l.revoke("01", 1, NOW)).toBe("revoked");
    expect(await l.recordIssuance(renewal("r1"), cert("02"), NOW)).toEqual({ kind: "renewal-refused", reason: "revoked" });
    expect(await l.certificate("02")).toBeUndefined();
    expect(await l.latestTransaction("r1")).toBeUndefined();
  });

  it("a live certificate renews; the new row records where it came from and its lineage", async () => {
    const l = await withOld();
    expect(await l.recordIssuance(renewal("r2"), cert("03"), NOW)).toEqual({ kind: "recorded" });
    expect(await l.certificate("03")).toMatchObject({ challengeKind: "renewal", lineage: "static", renewedFrom: "01", profile: "default" });
    expect((await l.certificate("01"))?.status).toBe("valid");
  });

  it("REVOKE_SUPERSEDED revokes the renewed certificate in the same transaction (reason 4)", async () => {
    const l = await withOld();
    expect(await l.recordIssuance(renewal("r3", POLICY, true), cert("04"), NOW)).toEqual({ kind: "recorded" });
    expect(await l.certificate("01")).toMatchObject({ status: "revoked", revocationReason: 4 });
  });

  it("a certificate not in this ledger, or with other bytes under the same serial, is no credential", async () => {
    const l = await withOld();
    expect(await l.renewalStatus("99", OLD_SHA, NOW, POLICY)).toEqual({ ok: false, reason: "unknown" });
    expect(await l.renewalStatus("01", "EF".repeat(32), NOW, POLICY)).toEqual({ ok: false, reason: "unknown" });
  });

  it("expired: refused after notAfter, accepted within RENEWAL_GRACE_DAYS", async () => {
    const l = await withOld(NOW + DAY);
    expect(await l.renewalStatus("01", OLD_SHA, NOW + 2 * DAY, POLICY)).toMatchObject({ ok: false, reason: "expired" });
    expect(await l.renewalStatus("01", OLD_SHA, NOW + 2 * DAY, { ...POLICY, graceMs: 7 * DAY })).toMatchObject({ ok: true });
    expect(await l.renewalStatus("01", OLD_SHA, NOW - 2 * DAY, POLICY)).toMatchObject({ ok: false, reason: "not-yet-valid" });
  });

  it("RENEWAL_WINDOW_DAYS: only in the last days of its life", async () => {
    const l = await withOld(NOW + 100 * DAY);
    const window = { ...POLICY, windowMs: 30 * DAY };
    expect(await l.renewalStatus("01", OLD_SHA, NOW, window)).toMatchObject({ ok: false, reason: "outside-window" });
    expect(await l.renewalStatus("01", OLD_SHA, NOW + 75 * DAY, window)).toMatchObject({ ok: true });
  });

  it("lineage: an Intune-issued certificate never renews by signature; RENEWAL_POLICY=none refuses static ones", async () => {
    const intune = await withOld(NOW + 365 * DAY, "intune");
    expect(await intune.renewalStatus("01", OLD_SHA, NOW, POLICY)).toMatchObject({ ok: false, reason: "lineage", lineage: "intune" });
    const plain = await withOld();
    expect(await plain.renewalStatus("01", OLD_SHA, NOW, { ...POLICY, kinds: [] })).toMatchObject({
      ok: false,
      reason: "lineage",
      lineage: "static",
    });
  });

  it("a withheld (undelivered) certificate is no credential", async () => {
    const l = ledger();
    await l.recordIssuance(tx("w", "intune", { lineage: "intune" }), { ...cert("01", OLD_SHA), delivered: false }, NOW);
    expect(await l.renewalStatus("01", OLD_SHA, NOW, { ...POLICY, kinds: ["intune"] })).toMatchObject({ ok: false, reason: "not-delivered" });
  });

  it("a pending renewal is re-checked at approval: revoked meanwhile, it is refused", async () => {
    const l = await withOld();
    expect(await l.recordPending(renewal("p1"), NOW)).toEqual({ kind: "pending" });
    await l.revoke("01", 1, NOW);
    expect(await l.completeApproval("p1", "01", cert("05"), NOW, { policy: POLICY, supersede: false })).toEqual({
      kind: "renewal-refused",
      reason: "revoked",
    });
    expect(await l.certificate("05")).toBeUndefined();
  });

  it("an Intune renewal supersedes its predecessor only once Intune's acknowledgement makes it deliverable", async () => {
    const l = await withOld(NOW + 365 * DAY, "intune");
    const t = tx("i1", "intune", {
      lineage: "intune",
      renewalOf: { serial: "01", sha256: OLD_SHA, authorises: false, policy: POLICY, supersede: true },
    });
    expect(await l.recordIssuance(t, { ...cert("06"), delivered: false }, NOW)).toEqual({ kind: "recorded" });
    expect((await l.certificate("01"))?.status).toBe("valid");
    expect(await l.confirmDelivery("06", NOW)).toBe(true);
    expect(await l.certificate("01")).toMatchObject({ status: "revoked", revocationReason: 4 });
  });
});

describe("revocation reasons are checked where they are stored", () => {
  it("a reason that is not a CRLReason code this CA records is refused, and the CRL still builds", async () => {
    const l = await withOld();
    for (const bad of [2, 6, 8, 10, 11, -1, 1.5, "toString" as unknown as number, { valueOf: () => 1 } as unknown as number]) {
      expect(await l.revoke("01", bad, NOW)).toBe("bad-reason");
    }
    expect((await l.certificate("01"))?.status).toBe("valid");
    expect(await l.revoke("01", 1, NOW)).toBe("revoked");
    expect((await l.prepareCrl(NOW)).entries).toEqual([{ serial: "01", revokedAt: NOW, reason: 1 }]);
  });
});
