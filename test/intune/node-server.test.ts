// The fake over real HTTP on 127.0.0.1 and the client on Node's global fetch, loopback http allowed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntuneClient } from "../../src/intune/client";
import { GRAPH_SCOPE, INTUNE_SCOPE } from "../fakes/microsoft/fake";
import { IntuneMemory } from "../../src/intune/types";
import { createMicrosoftFake, type MicrosoftFake } from "../fakes/microsoft/fake";
import { startMicrosoftFakeServer, type RunningFake } from "../fakes/microsoft/node-server";
import { makeCsr } from "./support/csr";
import { testConfig } from "./support/harness";
import { MemoryKv } from "./support/memory-kv";

let fake: MicrosoftFake;
let server: RunningFake;

beforeAll(async () => {
  fake = createMicrosoftFake();
  server = await startMicrosoftFakeServer(fake);
});
afterAll(() => server.close());

function client(kv = new MemoryKv(), timeoutMs = 2000) {
  const config = testConfig({ ENTRA_AUTHORITY_URL: server.authorityUrl, GRAPH_BASE_URL: server.graphUrl });
  return new IntuneClient(config, { kv, memory: new IntuneMemory(), timeoutMs });
}

describe("Microsoft fake over HTTP", () => {
  it("serves a whole enrollment: validate, success notification, failure notification", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const c = client();
    const csr = await makeCsr({ challenge: fake.mintChallenge({ expectedSubject: "CN=device-1" }), subject: "CN=device-1" });
    expect((await c.validateRequest("tx-http", csr)).ok).toBe(true);
    const success = await c.successNotification({
      transactionId: "tx-http",
      csrDer: csr,
      certDer: new Uint8Array([1, 2]),
      serialHex: "7F",
      notAfter: new Date(),
      issuerName: "CN=CA",
    });
    expect(success.ok).toBe(true);
    expect((await c.failureNotification({ transactionId: "tx-http", csrDer: csr, hResult: -1, errorDescription: "x" })).ok).toBe(true);
    expect(fake.notifications.map((n) => n.kind)).toEqual(["success", "failure"]);
    expect(fake.tokenCount(GRAPH_SCOPE)).toBe(1);
    expect(fake.tokenCount(INTUNE_SCOPE)).toBe(1);
  });

  it("mints challenges and exposes the request log over HTTP", async () => {
    const minted = await fetch(`${server.url}/_fake/challenges`, { method: "POST", body: JSON.stringify({ expectedSubject: "CN=x" }) });
    const { challenge } = (await minted.json()) as { challenge: string };
    expect(fake.challenges.get(challenge)?.expectedSubject).toBe("CN=x");
    const log = (await (await fetch(`${server.url}/_fake/requests`)).json()) as { service: string }[];
    expect(log.map((r) => r.service)).toContain("intune");
    expect(JSON.stringify(log)).not.toContain(fake.options.clientSecret);
  });

  it("a real connection reset is a NetworkError, rediscovered and retried once", async () => {
    fake.inject("validateRequest", "reset");
    const r = await client().validateRequest("tx-reset", await makeCsr({ challenge: fake.mintChallenge() }));
    expect(r.ok).toBe(true);
  });

  it("a server that hangs is cut off by the timeout", async () => {
    fake.inject("validateRequest", "hang");
    const r = await client(new MemoryKv(), 200).validateRequest("tx-hang", await makeCsr({ challenge: fake.mintChallenge() }));
    expect(r).toMatchObject({ ok: false, code: "Timeout" });
  });
});
