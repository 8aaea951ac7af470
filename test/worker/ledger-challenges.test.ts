// One-time challenges in the ledger (src/ledger/challenge-store.ts): consumed atomically with the
// request they authorise, once, before expiry, and only for the bound subject (RFC 8894 §7.3).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Ledger } from "../../src/ledger/ledger";
import type { CertificateInput, TransactionInput } from "../../src/ledger/types";

const ledger = () => (env as unknown as { LEDGER: DurableObjectNamespace<Ledger> }).LEDGER.getByName(`otc-${crypto.randomUUID()}`);
const HOUR = 3600_000;

function request(id: string, challengeSha: string, subject = "CN=alpha", sans = ""): TransactionInput {
  return {
    transactionId: id,
    requestKey: "",
    csrSha256: `csr-${id}`,
    csrDer: new Uint8Array([0x30, 0x00]),
    signerSha256: "s",
    subject,
    messageType: 19,
    challengeKind: "one-time",
    lineage: "one-time",
    profile: "default",
    sans,
    oneTimeChallengeSha256: challengeSha,
  };
}

function certificate(serial: string): CertificateInput {
  return {
    serial,
    subject: "CN=alpha",
    sans: "",
    notBefore: 0,
    notAfter: Date.now() + 86400_000,
    sha1: "00",
    sha256: "00",
    der: new Uint8Array([0x30, 0x00]),
  };
}

describe("one-time challenges", () => {
  const now = Date.now();

  it("used once: the second request is refused, the first one's retry still gets its certificate", async () => {
    const l = ledger();
    await l.mintChallenge("h1", undefined, "", now + HOUR, now);
    expect(await l.recordIssuance(request("a", "h1"), certificate("01"), now)).toEqual({ kind: "recorded" });
    expect(await l.recordIssuance(request("b", "h1"), certificate("02"), now)).toEqual({ kind: "challenge-refused", reason: "used" });
    expect((await l.recordIssuance(request("a", "h1"), certificate("03"), now)).kind).toBe("existing");
    expect((await l.stats(now)).certificates).toBe(1);
  });

  it("expired, unknown and wrong-subject challenges are refused and write nothing", async () => {
    const l = ledger();
    await l.mintChallenge("h2", undefined, "", now + HOUR, now - 2 * HOUR);
    await l.mintChallenge("h3", "CN=beta", "", now + HOUR, now);
    expect(await l.recordIssuance(request("c", "h2"), certificate("04"), now + 2 * HOUR)).toEqual({ kind: "challenge-refused", reason: "expired" });
    expect(await l.recordIssuance(request("d", "nope"), certificate("05"), now)).toEqual({ kind: "challenge-refused", reason: "unknown" });
    expect(await l.recordIssuance(request("e", "h3", "CN=alpha"), certificate("06"), now)).toEqual({
      kind: "challenge-refused",
      reason: "subject-mismatch",
    });
    expect((await l.stats(now)).certificates).toBe(0);
    expect(await l.latestTransaction("c")).toBeUndefined();
    // The refused wrong-subject attempt did not burn the challenge for its rightful subject.
    expect(await l.recordIssuance(request("f", "h3", "CN=beta"), certificate("07"), now)).toEqual({ kind: "recorded" });
  });

  it("SANs are bound exactly: none when none were listed, the listed set otherwise", async () => {
    const l = ledger();
    await l.mintChallenge("h5", undefined, "", now + HOUR, now);
    await l.mintChallenge("h6", "CN=alpha", "dns:a.example, upn:alice@corp.example", now + HOUR, now);
    expect(await l.recordIssuance(request("s1", "h5", "CN=alpha", "dns:www.bank.example"), certificate("08"), now)).toEqual({
      kind: "challenge-refused",
      reason: "san-mismatch",
    });
    expect(await l.recordIssuance(request("s2", "h6", "CN=alpha", "dns:a.example"), certificate("09"), now)).toEqual({
      kind: "challenge-refused",
      reason: "san-mismatch",
    });
    expect(await l.recordIssuance(request("s3", "h6", "CN=alpha", "dns:a.example, upn:administrator@corp.example"), certificate("0A"), now)).toEqual({
      kind: "challenge-refused",
      reason: "san-mismatch",
    });
    expect(await l.recordIssuance(request("s4", "h6", "CN=alpha", "dns:a.example, upn:alice@corp.example"), certificate("0B"), now)).toEqual({
      kind: "recorded",
    });
    expect(await l.recordIssuance(request("s5", "h5", "CN=alpha"), certificate("0C"), now)).toEqual({ kind: "recorded" });
  });

  it("a pending request consumes the challenge too (manual approval)", async () => {
    const l = ledger();
    await l.mintChallenge("h4", undefined, "", now + HOUR, now);
    expect(await l.recordPending(request("g", "h4"), now)).toEqual({ kind: "pending" });
    expect(await l.recordPending(request("h", "h4"), now)).toEqual({ kind: "challenge-refused", reason: "used" });
  });
});
