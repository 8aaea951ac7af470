// What the admin overview reads from a ledger (src/ledger/activity-store.ts) and the console's
// remembered logouts (session-store.ts), inside workerd: issuance per UTC day (numbers bound from
// JS arrive as REAL, the day index must still land on its day), counts by kind and status,
// expiries, the last CRL and the last Intune outcome.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Ledger } from "../../src/ledger/ledger";
import type { CertificateInput, TransactionInput } from "../../src/ledger/types";

const ledger = () => (env as unknown as { LEDGER: DurableObjectNamespace<Ledger> }).LEDGER.getByName(`activity-${crypto.randomUUID()}`);
const DAY = 86_400_000;
// Noon UTC, so that "n days ago" never crosses a day boundary by a few milliseconds.
const now = Math.floor(Date.now() / DAY) * DAY + DAY / 2;
let n = 0;

function tx(kind: TransactionInput["challengeKind"] = "static"): TransactionInput {
  n++;
  return {
    transactionId: `act-${n}`,
    requestKey: "",
    csrSha256: `csr-${n}`,
    csrDer: new Uint8Array([0x30, 0x00]),
    signerSha256: "s",
    subject: `CN=act-${n}`,
    messageType: 19,
    challengeKind: kind,
    lineage: kind === "renewal" ? "static" : kind,
    profile: "default",
    sans: "",
  };
}

function cert(notAfter: number): CertificateInput {
  return {
    serial: n.toString(16).padStart(4, "0").toUpperCase(),
    subject: `CN=act-${n}`,
    sans: "",
    notBefore: 0,
    notAfter,
    sha1: "00",
    sha256: "00",
    der: new Uint8Array([0x30, 0x00]),
  };
}

describe("ledger activity for the admin overview", () => {
  it("counts issuance per UTC day over the window, by kind and status, and expiries", async () => {
    const l = ledger();
    const record = async (daysAgo: number, kind: TransactionInput["challengeKind"], notAfter = now + 365 * DAY) => {
      const t = tx(kind);
      expect(await l.recordIssuance(t, cert(notAfter), now - daysAgo * DAY)).toEqual({ kind: "recorded" });
      return cert(notAfter).serial;
    };
    await record(0, "static");
    await record(0, "one-time");
    await record(1, "static", now + 10 * DAY); // ends within 30 days
    await record(89, "static", now - DAY); // expired, still marked valid
    await record(90, "static"); // outside a 90-day window
    const revoked = await record(5, "one-time");
    expect(await l.revoke(revoked, 1, now)).toBe("revoked");

    const a = await l.activity(now, 90);
    expect(a.issuedPerDay).toHaveLength(90);
    expect(a.issuedPerDay[89]).toBe(2);
    expect(a.issuedPerDay[88]).toBe(1);
    expect(a.issuedPerDay[84]).toBe(1);
    expect(a.issuedPerDay[0]).toBe(1);
    expect(a.issuedPerDay.reduce((x, y) => x + y, 0)).toBe(5);
    expect(a.firstDay).toBe(new Date(now - 89 * DAY).toISOString().slice(0, 10));
    expect(a.byChallengeKind).toEqual({ static: { valid: 4, revoked: 0 }, "one-time": { valid: 1, revoked: 1 } });
    expect(a.validExpired).toBe(1);
    expect(a.validExpiringIn30Days).toBe(1);
    expect(a.crl).toBeUndefined();
    expect(a.lastIntune).toBeUndefined();
  });

  it("the last CRL and the revocations since it; the newest Intune request's state and note", async () => {
    const l = ledger();
    const { number, revision } = await l.prepareCrl(now);
    await l.storeCrl(new Uint8Array([0x30, 0x00]), number, revision, now, now + DAY, "AB");
    const t = tx("intune");
    await l.recordIssuance(t, cert(now + DAY), now);
    await l.revoke(cert(now + DAY).serial, 0, now);
    const pending = tx("intune");
    expect((await l.recordPending(pending, now + 1000)).kind).toBe("pending");
    expect(await l.rejectPending(pending.transactionId, "", "not in Intune", now + 2000)).toMatchObject({ challengeKind: "intune" });

    const a = await l.activity(now + 3000, 90);
    expect(a.crl).toEqual({ number, thisUpdate: now, nextUpdate: now + DAY, revocationsSince: 1 });
    expect(a.lastIntune).toEqual({ state: "rejected", at: now + 2000, note: "not in Intune" });
  });
});

describe("console logouts", () => {
  it("an ended session is remembered until its expiry, then forgotten with the next logout", async () => {
    const l = ledger();
    expect(await l.consoleSessionEnded("s1")).toBe(false);
    await l.endConsoleSession("s1", now + 60_000, now);
    expect(await l.consoleSessionEnded("s1")).toBe(true);
    await l.endConsoleSession("s2", now + 200_000, now + 120_000); // s1 has expired by then
    expect(await l.consoleSessionEnded("s1")).toBe(false);
    expect(await l.consoleSessionEnded("s2")).toBe(true);
    await l.endConsoleSession("s3", now - 1, now); // already expired: nothing to remember
    expect(await l.consoleSessionEnded("s3")).toBe(false);
  });
});
