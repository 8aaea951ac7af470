// The Intune client inside workerd: real Workers KV binding, WebCrypto (HKDF, AES-GCM, SHA-1),
// AbortSignal timeouts and pkijs, with the Microsoft fake answering behind globalThis.fetch.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IntuneClient } from "../../src/intune/client";
import { parseIntuneConfig } from "../../src/intune/config";
import { tokenKey } from "../../src/intune/kv-keys";
import { GRAPH_SCOPE, INTUNE_SCOPE } from "../fakes/microsoft/fake";
import { IntuneMemory, type KvLike } from "../../src/intune/types";
import { makeEntraCredential } from "../../scripts/lib/entra-credential";
import {
  createMicrosoftFake,
  FAKE_CLIENT_ID,
  FAKE_CLIENT_SECRET,
  FAKE_TENANT_ID,
  type MicrosoftFake,
  type MicrosoftFakeOptions,
} from "../fakes/microsoft/fake";
import { makeCsr } from "./support/csr";

const kv = (env as unknown as { INTUNE_CACHE: KVNamespace }).INTUNE_CACHE as unknown as KvLike;
const config = parseIntuneConfig({
  INTUNE_TENANT_ID: FAKE_TENANT_ID,
  INTUNE_CLIENT_ID: FAKE_CLIENT_ID,
  INTUNE_CLIENT_SECRET: FAKE_CLIENT_SECRET,
  ENTRA_AUTHORITY_URL: "https://login.fake.test",
  GRAPH_BASE_URL: "https://graph.fake.test",
});

let fake: MicrosoftFake;
async function useFake(options: MicrosoftFakeOptions = {}): Promise<MicrosoftFake> {
  // KV outlives a test inside a file: start each test from an empty cache.
  const binding = (env as unknown as { INTUNE_CACHE: KVNamespace }).INTUNE_CACHE;
  for (const { name } of (await binding.list()).keys) await binding.delete(name);
  fake = createMicrosoftFake({ intuneBaseUrl: "https://fef.fake.test", ...options });
  // Each call gets a Response built inside the implementation (never a shared one).
  vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => fake.handler(new Request(input, init)));
  return fake;
}
afterEach(() => {
  fake?.close();
  vi.restoreAllMocks();
});

describe("IntuneClient in workerd", () => {
  it("validates and notifies through the global fetch, one token per scope across isolates", async () => {
    const f = await useFake();
    const logs: string[] = [];
    const isolate = () =>
      new IntuneClient(config, { kv, memory: new IntuneMemory(), log: (e, fields) => logs.push(JSON.stringify({ e, ...fields })) });
    const [a, b] = [isolate(), isolate()];
    for (let i = 0; i < 3; i++) {
      const csr = await makeCsr({ challenge: f.mintChallenge({ expectedSubject: "CN=device-1" }), subject: "CN=device-1" });
      const client = i % 2 ? a : b;
      expect(await client.validateRequest(`tx${i}`, csr)).toMatchObject({ ok: true, code: "Success" });
      const done = await client.successNotification({
        transactionId: `tx${i}`,
        csrDer: csr,
        certDer: new Uint8Array([3, 1, 4]),
        serialHex: "abc1",
        notAfter: new Date(Date.UTC(2027, 0, 1)),
        issuerName: "CN=Worker CA",
      });
      expect(done.ok).toBe(true);
    }
    expect(f.tokenCount(GRAPH_SCOPE)).toBe(1);
    expect(f.tokenCount(INTUNE_SCOPE)).toBe(1);
    const sha1 = new Uint8Array(await crypto.subtle.digest("SHA-1", new Uint8Array([3, 1, 4])));
    const thumbprint = [...sha1]
      .map((x) => x.toString(16).padStart(2, "0"))
      .join("")
      .toUpperCase();
    expect(f.notifications.map((n) => n.notification.certificateThumbprint)).toEqual([thumbprint, thumbprint, thumbprint]);
    expect(f.notifications[0]!.notification.certificateSerialNumber).toBe("ABC1");
    const stored = await kv.get(tokenKey(FAKE_TENANT_ID, FAKE_CLIENT_ID, INTUNE_SCOPE), "text");
    expect(stored).toBeTruthy();
    for (const token of f.tokens.keys()) {
      expect(stored).not.toContain(token);
      expect(logs.join("\n")).not.toContain(token);
    }
  });

  it("times out a hanging Intune call inside workerd", async () => {
    const f = await useFake();
    f.inject("validateRequest", "hang");
    const client = new IntuneClient(config, { kv, memory: new IntuneMemory(), timeoutMs: 100 });
    const r = await client.validateRequest("tx-hang", await makeCsr({ challenge: f.mintChallenge() }));
    expect(r).toMatchObject({ ok: false, code: "Timeout" });
  });

  it("rediscovers after a scale-unit move inside workerd", async () => {
    const f = await useFake();
    const client = new IntuneClient(config, { kv, memory: new IntuneMemory() });
    await client.validateRequest("tx1", await makeCsr({ challenge: f.mintChallenge() }));
    f.moveScaleUnit();
    expect((await client.validateRequest("tx2", await makeCsr({ challenge: f.mintChallenge() }))).ok).toBe(true);
    expect(f.requestsTo("intune").map((r) => r.status)).toEqual([200, 404, 200]);
  });
});

describe("certificate credentials inside workerd", () => {
  it("signs PS256 client assertions with WebCrypto that the fake verifies, and seals tokens under the key", async () => {
    const app = makeEntraCredential({ commonName: "workerd app cert", days: 30 });
    const f = await useFake({ clientCertificates: [app.certDer], clientSecret: "" });
    const certConfig = parseIntuneConfig({
      INTUNE_TENANT_ID: FAKE_TENANT_ID,
      INTUNE_CLIENT_ID: FAKE_CLIENT_ID,
      INTUNE_CLIENT_CERT: app.certPem,
      INTUNE_CLIENT_KEY: app.keyPem,
      ENTRA_AUTHORITY_URL: "https://login.fake.test",
      GRAPH_BASE_URL: "https://graph.fake.test",
    });
    const client = new IntuneClient(certConfig, { kv, memory: new IntuneMemory() });
    expect((await client.validateRequest("tx-cert", await makeCsr({ challenge: f.mintChallenge() }))).ok).toBe(true);
    expect(f.assertions.map((a) => a.accepted)).toEqual([true, true]);
    expect(await kv.get(tokenKey(FAKE_TENANT_ID, FAKE_CLIENT_ID, INTUNE_SCOPE), "text")).toBeTruthy();
    // A second isolate opens the sealed token: no third assertion.
    expect(
      (
        await new IntuneClient(certConfig, { kv, memory: new IntuneMemory() }).validateRequest(
          "tx-cert2",
          await makeCsr({ challenge: f.mintChallenge() }),
        )
      ).ok,
    ).toBe(true);
    expect(f.assertions).toHaveLength(2);
  });
});
