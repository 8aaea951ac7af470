// Every oversized or over-deep input of scripts/lib/hostile-cases.ts (the ones `npm run
// bench:hostile` measures) gets its refusal inside workerd: an HTTP 4xx with its reason before the
// request is authenticated, a signed CertRep FAILURE with its failInfo and text after, never a
// 500, and nothing of it stored. Proof of possession waits for a credential (cheap before dear).
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { caKeyId } from "../../src/ca/ca-set";
import type { Ledger } from "../../src/ledger/ledger";
import { spkiOfPrivateKey } from "../../src/crypto/keys";
import { parseCertView } from "../../src/x509/cert-view";
import { encodeBase64 } from "../../src/asn1/base64";
import { hostileCases, wrongChallenge } from "../../scripts/lib/hostile-cases";
import { hostileCsr, hostileMessage, signerCertificate, type HostileTarget } from "../../scripts/lib/hostile-scep";
import { answerOf, describeAnswer, matches } from "../../scripts/lib/hostile-answer";
import { caCertDer, rsaKey, WORKER_TEST_CHALLENGE, workerFetch } from "./support/scep-harness";

const ca = parseCertView(caCertDer());
const target: HostileTarget = { recipient: ca, caSubjectDer: ca.subjectDer, key: rsaKey(2048, "hostile") };

async function post(body: Uint8Array): Promise<Response> {
  return workerFetch("http://scep.test/scep?operation=PKIOperation", { method: "POST", body });
}

/** Rows of the current CA's ledger whose transactionID the hostile requests use. */
async function hostileRows(): Promise<number> {
  const ledger = (env as unknown as { LEDGER: DurableObjectNamespace<Ledger> }).LEDGER.getByName(`ca-key:${caKeyId(ca.spkiDer)}`);
  return runInDurableObject(ledger, (_i, state) => {
    const sql = state.storage.sql;
    const tx = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM transactions WHERE transaction_id LIKE 'hostile-%'").one().n;
    const certs = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM certificates WHERE transaction_id LIKE 'hostile-%'").one().n;
    return tx + certs;
  });
}

describe("hostile inputs before authentication", () => {
  const cases = [wrongChallenge(target), ...hostileCases(target)];

  it.each(cases.map((c) => [c.name, c] as const))("%s: refused with its reason", async (_name, c) => {
    const res = await post(c.body);
    const answer = await answerOf(res);
    expect(res.status).not.toBe(500);
    expect(matches(answer, c.expect), describeAnswer(answer)).toBe(true);
  });

  it("the same inputs over GET get the same answers", async () => {
    for (const c of cases.filter((x) => x.body.length < 12_000)) {
      const res = await workerFetch(`http://scep.test/scep?operation=PKIOperation&message=${encodeURIComponent(encodeBase64(c.body))}`);
      const answer = await answerOf(res);
      expect(matches(answer, c.expect), `${c.name}: ${describeAnswer(answer)}`).toBe(true);
    }
  });

  it("nothing of them is stored", async () => {
    for (const c of cases) await (await post(c.body)).arrayBuffer();
    expect(await hostileRows()).toBe(0);
  });
});

describe("proof of possession waits for a credential", () => {
  // The CSR names another key than the one that signed it: its signature cannot verify.
  const foreignSpki = spkiOfPrivateKey(rsaKey(2048, "hostile-other"));

  it("a CSR whose signature does not verify, with the right challenge: FAILURE badMessageCheck", async () => {
    const csr = hostileCsr({ key: target.key, challenge: WORKER_TEST_CHALLENGE, spkiDer: foreignSpki });
    const answer = await answerOf(await post(hostileMessage(target, { data: csr })));
    expect(matches(answer, { failInfo: 1, text: /certificate request signature does not verify/ }), describeAnswer(answer)).toBe(true);
  });

  it("the same CSR with a wrong challenge is refused for the challenge, before its signature is checked", async () => {
    const csr = hostileCsr({ key: target.key, challenge: "wrong", spkiDer: foreignSpki });
    const answer = await answerOf(await post(hostileMessage(target, { data: csr })));
    expect(matches(answer, { failInfo: 2, text: /challenge password missing or not accepted/ }), describeAnswer(answer)).toBe(true);
  });

  it("a request within every bound still enrolls", async () => {
    const signer = { certDer: signerCertificate(target.key, spkiOfPrivateKey(target.key)), key: target.key };
    const body = hostileMessage(target, {
      data: hostileCsr({ key: target.key, challenge: WORKER_TEST_CHALLENGE }),
      signer,
      transactionId: `ok-${crypto.randomUUID()}`,
    });
    const answer = await answerOf(await post(body), signer);
    expect(answer.pkiStatus, describeAnswer(answer)).toBe(0);
    expect(answer.serial).toMatch(/^[0-9A-F]+$/);
  });
});
