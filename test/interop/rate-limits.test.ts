// The abuse guard against the built Worker under Miniflare, whose Rate Limiting bindings count as
// Cloudflare's do: garbage Intune challenges stop costing validateRequest calls at the bounds (the
// Microsoft fake counts every call it gets), past a bound the request gets a signed FAILURE, past
// the failure limit a 429; another client IP still enrolls; the admin stats count what was refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverCa } from "../../src/client/discovery";
import { spkiOfPrivateKey } from "../../src/crypto/keys";
import { newRsaKey } from "../../src/client/certificates";
import { createMicrosoftFake, type MicrosoftFake } from "../fakes/microsoft/fake";
import { startMicrosoftFakeServer, type RunningFake } from "../fakes/microsoft/node-server";
import { ADMIN_TOKEN, intuneBindings } from "./support/intune-harness";
import { hostileCsr, hostileMessage, signerCertificate, type HostileTarget } from "../../scripts/lib/hostile-scep";
import { answerOf, describeAnswer, type Answer } from "../../scripts/lib/hostile-answer";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

let ca: TestCa;
let fake: MicrosoftFake;
let server: RunningFake;
const workers: RunningWorker[] = [];
const key = newRsaKey().handle;
const signer = { certDer: signerCertificate(key, spkiOfPrivateKey(key)), key };

beforeAll(async () => {
  ca = await createTestCa({ cn: "Rate Limits Test CA" });
  fake = createMicrosoftFake();
  server = await startMicrosoftFakeServer(fake);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await server?.close();
  await ca?.cleanup();
});

async function intuneWorker(
  rateLimits?: Record<string, number>,
): Promise<{ worker: RunningWorker; send: (ip: string, challenge: string) => Promise<Answer> }> {
  const worker = await startWorker({ bindings: intuneBindings(ca, server), rateLimits });
  workers.push(worker);
  const target: HostileTarget = { recipient: (await discoverCa({ url: worker.url })).recipients[0]!, caSubjectDer: new Uint8Array(), key };
  const send = async (ip: string, challenge: string) => {
    const body = hostileMessage(target, { data: hostileCsr({ key, challenge }), signer });
    const res = await fetch(`${worker.url}?operation=PKIOperation`, { method: "POST", headers: { "cf-connecting-ip": ip }, body });
    return answerOf(res, signer);
  };
  return { worker, send };
}

const validations = () => fake.requestsTo("intune", "validateRequest").length;
const garbage = () => `garbage-${crypto.randomUUID()}`;

/** Miniflare counts in windows aligned to the clock's minutes: start well inside one. */
async function freshWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((r) => setTimeout(r, left + 50));
}

async function refusedStats(worker: RunningWorker): Promise<Record<string, number>> {
  const res = await fetch(`${worker.origin}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { refused: Record<string, number> }).refused;
}

describe("Intune validateRequest calls are bounded per client IP and in all", () => {
  it("garbage challenges past the bounds get a signed FAILURE and cost no call; another IP still enrolls", async () => {
    // Failures are not what stops them here: only the two Intune bounds (5 per client, 8 in all).
    const { worker, send } = await intuneWorker({ AUTH_FAILURE_LIMITER: 1000, INTUNE_CLIENT_LIMITER: 5, INTUNE_LIMITER: 8 });
    await freshWindow();
    const before = validations();
    const fromA = [];
    for (let i = 0; i < 10; i++) fromA.push(await send("198.51.100.20", garbage()));
    expect(validations() - before).toBe(5);
    expect(
      fromA.slice(0, 5).every((a) => a.pkiStatus === 2 && !/try again later/.test(a.failInfoText ?? "")),
      fromA.map(describeAnswer).join("\n"),
    ).toBe(true);
    for (const a of fromA.slice(5))
      expect(a.failInfoText, describeAnswer(a)).toMatch(/too many requests to validate with Intune right now; try again later/);

    // Another client: its own bound is untouched; the shared one has 3 calls left (one for the legit device).
    const legit = await send("198.51.100.21", fake.mintChallenge());
    expect(legit.pkiStatus, describeAnswer(legit)).toBe(0);
    const fromB = [];
    for (let i = 0; i < 4; i++) fromB.push(await send("198.51.100.22", garbage()));
    expect(validations() - before).toBe(8);
    expect(fromB.filter((a) => /try again later/.test(a.failInfoText ?? ""))).toHaveLength(2);

    const refused = await refusedStats(worker);
    expect(refused["intune.bound.client"]).toBe(5);
    expect(refused["intune.bound.all"]).toBe(2);
  });

  it("with wrangler.toml's limits, 40 garbage challenges from one IP cost at most the failure limit in calls, then 429", async () => {
    const { worker, send } = await intuneWorker();
    await freshWindow();
    const before = validations();
    const answers: Answer[] = [];
    for (let i = 0; i < 40; i++) {
      answers.push(await send("198.51.100.30", garbage()));
      await new Promise((r) => setTimeout(r, 5)); // the failure is counted just after the answer
    }
    const calls = validations() - before;
    expect(calls).toBeGreaterThanOrEqual(20);
    expect(calls).toBeLessThanOrEqual(21);
    const first429 = answers.findIndex((a) => a.status === 429);
    expect(first429).toBe(calls);
    expect(answers.slice(first429).every((a) => a.status === 429 && Number(a.retryAfter) > 0)).toBe(true);

    // A device on another address enrolls with a real challenge meanwhile.
    const legit = await send("198.51.100.31", fake.mintChallenge());
    expect(legit.pkiStatus, describeAnswer(legit)).toBe(0);

    const refused = await refusedStats(worker);
    expect(refused["refused.rate-limited"]).toBe(40 - first429);
    expect(refused["failures.counted"]).toBe(calls);
    expect(refused["clients.blocked"]).toBe(1);
  });
});
