// The ledger's delivery gate (src/ledger/issuance-store.ts): a certificate recorded undeliverable
// (Intune's acknowledgement outstanding) is never handed out as "existing" until confirmed, and a
// withheld (revoked) one never again.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Ledger } from "../../src/ledger/ledger";
import type { CertificateInput, TransactionInput } from "../../src/ledger/types";

const ledger = () => (env as unknown as { LEDGER: DurableObjectNamespace<Ledger> }).LEDGER.getByName(`delivery-${crypto.randomUUID()}`);

function request(id: string): TransactionInput {
  return {
    transactionId: id,
    requestKey: "",
    csrSha256: `csr-${id}`,
    csrDer: new Uint8Array([0x30, 0x00]),
    signerSha256: "s",
    subject: `CN=${id}`,
    messageType: 19,
    challengeKind: "intune",
    lineage: "intune",
    profile: "default",
    sans: "",
  };
}

function certificate(serial: string, delivered: boolean): CertificateInput {
  return {
    serial,
    subject: "CN=x",
    sans: "",
    notBefore: 0,
    notAfter: Date.now() + 86400_000,
    sha1: "00",
    sha256: "00",
    der: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x07]),
    delivered,
  };
}

describe("delivery confirmation", () => {
  it("unconfirmed until confirmDelivery, then existing", async () => {
    const l = ledger();
    expect(await l.recordIssuance(request("t1"), certificate("0A", false), Date.now())).toEqual({ kind: "recorded" });
    expect((await l.lookupRequest(request("t1")))?.kind).toBe("unconfirmed");
    expect((await l.latestTransaction("t1"))?.der).toBeUndefined(); // polls do not get it either
    expect((await l.certificateDer("0A"))?.delivered).toBe(false);
    expect(await l.confirmDelivery("0A", Date.now())).toBe(true);
    expect(await l.lookupRequest(request("t1"))).toMatchObject({ kind: "existing", serial: "0A" });
  });

  it("withheld and revoked: refused on retry, and a late confirmation does not revive it", async () => {
    const l = ledger();
    await l.recordIssuance(request("t2"), certificate("0B", false), Date.now());
    await l.markUndelivered("0B", 5, Date.now());
    expect(await l.lookupRequest(request("t2"))).toEqual({ kind: "rejected", note: "certificate withheld" });
    expect(await l.confirmDelivery("0B", Date.now())).toBe(false);
    expect((await l.certificate("0B"))?.status).toBe("revoked");
    expect((await l.stats(Date.now())).undelivered).toBe(1);
  });

  it("ordinary issuances are deliverable at once", async () => {
    const l = ledger();
    await l.recordIssuance({ ...request("t3"), challengeKind: "static" }, certificate("0C", true), Date.now());
    expect(await l.lookupRequest(request("t3"))).toMatchObject({ kind: "existing", serial: "0C" });
  });
});
