// Issuance under concurrency (docs/scep-clients.md §7 item 17: micromdm issued duplicate serials and
// failed requests under load). The ledger Durable Object must serialise claims.
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { buildCsr, enrollOk, newTransactionId, rsaKey, scep, selfSigned, uniqueName, WORKER_TEST_CHALLENGE } from "./support/scep-harness";

const serial = (der: Uint8Array) => new X509Certificate(Buffer.from(der)).serialNumber;

describe("concurrent enrollment", () => {
  it("12 distinct requests in parallel: all SUCCESS, 12 distinct serials", async () => {
    const key = rsaKey(2048, "parallel");
    const results = await Promise.all(Array.from({ length: 12 }, () => enrollOk({ csr: { key, subject: { commonName: uniqueName("par") } } })));
    expect(results.every((r) => r.rep!.status === PkiStatus.SUCCESS)).toBe(true);
    expect(new Set(results.map((r) => serial(r.issued))).size).toBe(12);
  });

  it("the same request retried 6 times in parallel (client timeout storm): one certificate for all", async () => {
    const key = rsaKey(2048, "storm");
    const transactionId = newTransactionId();
    const csr = buildCsr({ key, subject: { commonName: uniqueName("storm") }, challenge: WORKER_TEST_CHALLENGE });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => scep({ messageData: csr, transactionId, signer: selfSigned(rsaKey(2048, "storm-signer")) })),
    );
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.rep!.status).toBe(PkiStatus.SUCCESS);
    }
    expect(new Set(results.map((r) => serial(r.rep!.certificates[0]!))).size).toBe(1);
  });
});
