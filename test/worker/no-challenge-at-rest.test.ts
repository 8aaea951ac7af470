// No challenge at rest (finding 6 of the trust review, docs/security.md): after enrollments with
// the static challenge, no row of the ledger's SQLite database holds the challenge, in any
// encoding a CSR may carry it in; the stored CSR is the request without its challengePassword.
// The worker project shares one runtime, so the ledger also holds the other files' enrollments:
// every row of all of them is checked.
import { nameDerToText } from "../../src/x509/name";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { caKeyId } from "../../src/ca/ca-set";
import { parseCsr } from "../../src/ca/csr";
import type { Ledger } from "../../src/ledger/ledger";
import { parseCertView } from "../../src/x509/cert-view";
import { caCertDer, enrollOk, rsaKey, uniqueName, WORKER_TEST_CHALLENGE } from "./support/scep-harness";

const ledgers = (env as unknown as { LEDGER: DurableObjectNamespace<Ledger> }).LEDGER;

/** Every value of every table, as bytes. */
async function everyStoredValue(): Promise<{ table: string; bytes: Uint8Array }[]> {
  const stub = ledgers.getByName(`ca-key:${caKeyId(parseCertView(caCertDer()).spkiDer)}`);
  return runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray();
    const out: { table: string; bytes: Uint8Array }[] = [];
    for (const { name } of tables) {
      for (const row of sql.exec(`SELECT * FROM "${name}"`).toArray()) {
        for (const value of Object.values(row)) {
          if (value instanceof ArrayBuffer) out.push({ table: name, bytes: new Uint8Array(value) });
          else if (typeof value === "string") out.push({ table: name, bytes: new TextEncoder().encode(value) });
        }
      }
    }
    return out;
  });
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle));
}

describe("no challenge at rest", () => {
  it("the stored CSRs carry no challengePassword and no row contains the static challenge", async () => {
    for (const encoding of ["printable", "utf8"] as const) {
      await enrollOk({ csr: { key: rsaKey(2048, "at-rest"), subject: { commonName: uniqueName("at-rest") }, challengeEncoding: encoding } });
    }
    const values = await everyStoredValue();
    expect(values.filter((v) => v.table === "transactions").length).toBeGreaterThan(0);
    const secret = new TextEncoder().encode(WORKER_TEST_CHALLENGE);
    expect(values.filter((v) => contains(v.bytes, secret)).map((v) => v.table)).toEqual([]);

    const csrs = await runInDurableObject(ledgers.getByName(`ca-key:${caKeyId(parseCertView(caCertDer()).spkiDer)}`), (_i, state) =>
      state.storage.sql
        .exec<{ csr_der: ArrayBuffer }>("SELECT csr_der FROM transactions")
        .toArray()
        .map((r) => new Uint8Array(r.csr_der)),
    );
    let ours = 0;
    for (const der of csrs) {
      const csr = parseCsr(der);
      expect(csr.challengePassword).toBeUndefined();
      if (/^CN=at-rest-/.test(nameDerToText(csr.subjectDer))) ours++;
    }
    // Both enrollments of this test are among them (the check is not vacuous).
    expect(ours).toBeGreaterThanOrEqual(2);
  });
});
