// Token and discovery caching of the Worker's Intune client, observed at the Microsoft fake:
// one token per scope for many enrollments, the KV-sealed token and the discovered URI surviving
// into a new workerd process (another isolate), refresh after expiry, a 401 dropping the token,
// and a scale-unit move causing exactly one rediscovery.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { createMicrosoftFake, GRAPH_SCOPE, INTUNE_SCOPE } from "../fakes/microsoft/fake";
import { startMicrosoftFakeServer } from "../fakes/microsoft/node-server";
import { intuneTrace, newKey, startIntuneStack, type DeviceKey, type IntuneStack } from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

let ca: TestCa;
let key: DeviceKey;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Caches Test CA" });
  key = newKey();
});
afterAll(async () => {
  await ca?.cleanup();
});

async function enrollOk(s: IntuneStack, cn: string) {
  const r = await s.device.enroll({ key, cn, challenge: s.fake.mintChallenge({ expectedSubject: `CN=${cn}` }) });
  expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
  return r;
}

const graphCalls = (s: IntuneStack) => s.fake.requestsTo("graph").length;
const tokens = (s: IntuneStack) => ({ graph: s.fake.tokenCount(GRAPH_SCOPE), intune: s.fake.tokenCount(INTUNE_SCOPE) });

describe("one isolate", () => {
  let s: IntuneStack;
  beforeAll(async () => {
    s = await startIntuneStack(ca);
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("5 enrollments: exactly one token per scope and one discovery", async () => {
    for (let i = 0; i < 5; i++) await enrollOk(s, `cached-${i}`);
    expect(tokens(s)).toEqual({ graph: 1, intune: 1 });
    expect(graphCalls(s)).toBe(1);
    expect(s.fake.requestsTo("intune", "validateRequest")).toHaveLength(5);
    expect(s.fake.requestsTo("intune", "successNotification")).toHaveLength(5);
    // Only the reference scope strings were requested (Intune: the double slash).
    expect([...s.fake.tokenCalls.keys()].sort()).toEqual([GRAPH_SCOPE, INTUNE_SCOPE].sort());
  });

  test("the tokens in KV are sealed: no stored value contains a bearer token", async () => {
    const kv = await s.worker.mf.getKVNamespace("CACHE");
    const { keys } = await kv.list();
    const names = keys.map((k) => k.name);
    expect(names.filter((n) => n.startsWith("intune:v1:token:"))).toHaveLength(2);
    expect(names.filter((n) => n.startsWith("intune:v1:discovery:"))).toHaveLength(1);
    const issued = [...s.fake.tokens.keys()];
    for (const name of names.filter((n) => n.startsWith("intune:v1:token:"))) {
      const value = (await kv.get(name, "text"))!;
      expect(JSON.parse(value)).toMatchObject({ v: 1, iv: expect.any(String), ct: expect.any(String) });
      for (const t of issued) {
        expect(value).not.toContain(t);
        expect(value).not.toContain(t.split(".")[1]!);
      }
    }
  });

  test("401 from Intune once: the token is dropped, a new one fetched, discovery redone, the enrollment succeeds", async () => {
    const before = tokens(s);
    const graphBefore = graphCalls(s);
    const logBefore = intuneTrace(s.fake).length;
    s.fake.inject("validateRequest", "401", 1);
    await enrollOk(s, "after-401");
    expect(intuneTrace(s.fake).slice(logBefore)).toEqual(["validateRequest:401", "validateRequest:200:Success", "successNotification:200:Success"]);
    expect(tokens(s)).toEqual({ graph: before.graph, intune: before.intune + 1 });
    expect(graphCalls(s)).toBe(graphBefore + 1);
    // The retry used the new token.
    const [failed, retried] = s.fake.requestsTo("intune", "validateRequest").slice(-2);
    expect(retried!.headers.authorization).not.toBe(failed!.headers.authorization);
  });

  test("every token revoked (consent withdrawn and re-granted): Intune 401 and Graph 401 each drop their token once", async () => {
    const before = tokens(s);
    s.fake.revokeTokens();
    await enrollOk(s, "after-revocation");
    expect(tokens(s)).toEqual({ graph: before.graph + 1, intune: before.intune + 1 });
    const graph = s.fake
      .requestsTo("graph")
      .slice(-2)
      .map((r) => r.status);
    expect(graph).toEqual([401, 200]);
  });

  test("HTTP 500 once from validateRequest: rediscovered, retried once, success", async () => {
    const graphBefore = graphCalls(s);
    const logBefore = intuneTrace(s.fake).length;
    s.fake.inject("validateRequest", "500", 1);
    await enrollOk(s, "after-500");
    expect(intuneTrace(s.fake).slice(logBefore)).toEqual(["validateRequest:500", "validateRequest:200:Success", "successNotification:200:Success"]);
    expect(graphCalls(s)).toBe(graphBefore + 1);
  });

  test("discovery is cached: the next enrollment makes no Graph call", async () => {
    const graphBefore = graphCalls(s);
    const before = tokens(s);
    await enrollOk(s, "discovery-cached");
    expect(graphCalls(s)).toBe(graphBefore);
    expect(tokens(s)).toEqual(before);
  });

  test.each(["404", "503", "reset"] as const)("scale-unit move (old URI answers %s): one rediscovery, success at the new URI", async (answer) => {
    s.fake.oldScaleUnitAnswer = answer;
    s.fake.moveScaleUnit();
    const newPath = s.fake.scepServicePath();
    const graphBefore = graphCalls(s);
    const validatesBefore = s.fake.requestsTo("intune", "validateRequest").length;
    await enrollOk(s, `moved-${answer}`);
    expect(graphCalls(s)).toBe(graphBefore + 1);
    const validates = s.fake.requestsTo("intune", "validateRequest").slice(validatesBefore);
    expect(validates.map((v) => new URL(v.url).pathname.startsWith(newPath))).toEqual([false, true]);
    expect(new URL(s.fake.requestsTo("intune", "successNotification").at(-1)!.url).pathname.startsWith(newPath)).toBe(true);
    // And cached again afterwards.
    await enrollOk(s, `moved-${answer}-again`);
    expect(graphCalls(s)).toBe(graphBefore + 1);
  });
});

describe("concurrency in a fresh isolate", () => {
  test("5 simultaneous enrollments share one token request per scope and one discovery (single flight)", async () => {
    const s = await startIntuneStack(ca);
    try {
      const keys = [newKey(), newKey(), newKey(), newKey(), newKey()];
      const results = await Promise.all(
        keys.map((k, i) => s.device.enroll({ key: k, cn: `burst-${i}`, challenge: s.fake.mintChallenge({ expectedSubject: `CN=burst-${i}` }) })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(5).fill(PkiStatus.SUCCESS));
      expect(tokens(s)).toEqual({ graph: 1, intune: 1 });
      expect(graphCalls(s)).toBe(1);
    } finally {
      await s.stop();
    }
  });
});

describe("another isolate (a second workerd process on the same persisted KV)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "intune-kv-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("the sealed token and the discovered URI from KV are reused: no token request, no Graph call", async () => {
    const fake = createMicrosoftFake();
    const server = await startMicrosoftFakeServer(fake);
    try {
      const first = await startIntuneStack(ca, { persistPath: dir, shared: { fake, server } });
      try {
        await enrollOk(first, "isolate-1");
      } finally {
        await first.stop();
      }
      expect({ graph: fake.tokenCount(GRAPH_SCOPE), intune: fake.tokenCount(INTUNE_SCOPE) }).toEqual({ graph: 1, intune: 1 });
      expect(fake.requestsTo("graph")).toHaveLength(1);

      const second = await startIntuneStack(ca, { persistPath: dir, shared: { fake, server } });
      try {
        await enrollOk(second, "isolate-2");
      } finally {
        await second.stop();
      }
      expect({ graph: fake.tokenCount(GRAPH_SCOPE), intune: fake.tokenCount(INTUNE_SCOPE) }).toEqual({ graph: 1, intune: 1 });
      expect(fake.requestsTo("graph")).toHaveLength(1);
      const auth = fake.requestsTo("intune", "validateRequest").map((r) => r.headers.authorization);
      expect(auth).toHaveLength(2);
      expect(auth[1]).toBe(auth[0]);
    } finally {
      await server.close();
    }
  });
});

describe("expiry", () => {
  test("a short-lived token (expires_in 8 s, used for 4 s, too short for KV) is refreshed after it expires", async () => {
    const s = await startIntuneStack(ca, { fake: { tokenExpiresIn: 8 } });
    try {
      await enrollOk(s, "short-1");
      await enrollOk(s, "short-2");
      expect(tokens(s)).toEqual({ graph: 1, intune: 1 });
      await new Promise((r) => setTimeout(r, 4_500));
      await enrollOk(s, "short-3");
      // Discovery (24 h) is still cached, so only the Intune scope is refreshed.
      expect(tokens(s)).toEqual({ graph: 1, intune: 2 });
      expect(graphCalls(s)).toBe(1);
      const kv = await s.worker.mf.getKVNamespace("CACHE");
      expect((await kv.list({ prefix: "intune:v1:token:" })).keys).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});
