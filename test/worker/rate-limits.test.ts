// The failure limit under Miniflare's Rate Limiting binding (wrangler.toml AUTH_FAILURE_LIMITER,
// 20 per minute): one client IP past it gets 429 with Retry-After before its message is read,
// while another IP enrolls, successes never use up a budget, and the unauthenticated GET
// operations stay open. Each test uses its own addresses (the worker project shares one isolate).
import { describe, expect, it } from "vitest";
import { spkiOfPrivateKey } from "../../src/crypto/keys";
import { parseCertView } from "../../src/x509/cert-view";
import { RATE_LIMITS } from "../../src/settings/table";
import { hostileCsr, hostileMessage, signerCertificate, type HostileTarget } from "../../scripts/lib/hostile-scep";
import { answerOf, describeAnswer } from "../../scripts/lib/hostile-answer";
import { caCertDer, rsaKey, WORKER_TEST_CHALLENGE, workerFetch } from "./support/scep-harness";

const ca = parseCertView(caCertDer());
const target: HostileTarget = { recipient: ca, caSubjectDer: ca.subjectDer, key: rsaKey(2048, "rate-limits") };
// wrangler.toml's limit (test/unit/settings-docs checks that it is the table's).
const LIMIT: number = RATE_LIMITS.find((r) => r.name === "AUTH_FAILURE_LIMITER")!.limit;
const signer = { certDer: signerCertificate(target.key, spkiOfPrivateKey(target.key)), key: target.key };

let subnet = 0;
/** Addresses of one test: 203.0.113.x from a range no other file uses. */
const addresses = () => {
  const n = ++subnet;
  return (host: number) => `203.0.${100 + n}.${host}`;
};

function send(ip: string, challenge: string): Promise<Response> {
  const body = hostileMessage(target, { data: hostileCsr({ key: target.key, challenge }), signer, transactionId: `rl-${crypto.randomUUID()}` });
  return workerFetch("http://scep.test/scep?operation=PKIOperation", { method: "POST", headers: { "cf-connecting-ip": ip }, body });
}

/**
 * Wrong challenges from `ip` until the first 429 (or `max` tries); the answers before it. Miniflare
 * counts in windows aligned to the clock's minutes: start well inside one, so that the count is
 * not reset half-way.
 */
async function failUntilRefused(ip: string, max: number): Promise<{ failures: number; refused?: Response }> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await new Promise((r) => setTimeout(r, left + 50));
  for (let i = 0; i < max; i++) {
    const res = await send(ip, "wrong");
    if (res.status === 429) return { failures: i, refused: res };
    const answer = await answerOf(res);
    expect(answer.failInfoText, describeAnswer(answer)).toMatch(/challenge password/);
    // The limit is counted after each answer is sent (waitUntil): let it land before the next.
    await new Promise((r) => setTimeout(r, 5));
  }
  return { failures: max };
}

describe("failed authentications per client IP", () => {
  it(`past ${LIMIT} failures in a minute one IP gets 429 with Retry-After, while another IP enrolls`, async () => {
    const ip = addresses();
    const { failures, refused } = await failUntilRefused(ip(1), LIMIT + 10);
    expect(refused, "no 429 came").toBeDefined();
    // Exactly the limit is decrypted and refused with a CertRep; an answer in flight may add one.
    expect(failures).toBeGreaterThanOrEqual(LIMIT);
    expect(failures).toBeLessThanOrEqual(LIMIT + 2);
    const retryAfter = Number(refused!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused!.text()).toMatch(/too many failed requests/);

    // The blocked address stays blocked, even with the right challenge (a shared NAT shares the penalty).
    expect((await send(ip(1), WORKER_TEST_CHALLENGE)).status).toBe(429);
    // Another address enrolls at once.
    const other = await answerOf(await send(ip(2), WORKER_TEST_CHALLENGE), signer);
    expect(other.pkiStatus, describeAnswer(other)).toBe(0);
    // GetCACaps and GetCACert cost nothing and stay open to the blocked address.
    const caps = await workerFetch("http://scep.test/scep?operation=GetCACaps", { headers: { "cf-connecting-ip": ip(1) } });
    expect(caps.status).toBe(200);
  });

  it("successes are never counted: one IP enrolls past the limit without a 429", async () => {
    const ip = addresses()(1);
    for (let i = 0; i < LIMIT + 5; i++) {
      const answer = await answerOf(await send(ip, WORKER_TEST_CHALLENGE), signer);
      expect(answer.pkiStatus, `enrollment ${i + 1}: ${describeAnswer(answer)}`).toBe(0);
    }
  });

  it("an IPv6 client is counted by its /64: other addresses of the prefix are blocked with it", async () => {
    const prefix = `2001:db8:${(++subnet).toString(16)}:7`;
    const { refused } = await failUntilRefused(`${prefix}::1`, LIMIT + 10);
    expect(refused?.status).toBe(429);
    expect((await send(`${prefix}:ffff::2`, "wrong")).status).toBe(429);
    expect((await send(`2001:db8:${(++subnet).toString(16)}:7::1`, "wrong")).status).toBe(200);
  });

  it("a request without CF-Connecting-IP (not from Cloudflare's edge) is never limited", async () => {
    const body = hostileMessage(target, { data: hostileCsr({ key: target.key, challenge: "wrong" }), signer });
    for (let i = 0; i < LIMIT + 3; i++) {
      const res = await workerFetch("http://scep.test/scep?operation=PKIOperation", { method: "POST", body });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  });
});
