import { describe, expect, it } from "vitest";
import { discoveryKey } from "../../src/intune/kv-keys";
import { GRAPH_SCOPE } from "../fakes/microsoft/fake";
import { FAKE_TENANT_ID } from "../fakes/microsoft/fake";
import { makeCsr } from "./support/csr";
import { GRAPH, harness, INTUNE } from "./support/harness";

type H = ReturnType<typeof harness>;
const validCsr = (h: H) => makeCsr({ challenge: h.fake.mintChallenge() });
const intuneUrls = (h: H) => h.fake.requestsTo("intune").map((r) => new URL(r.url).pathname.split("/")[1]);

describe("service discovery", () => {
  it("asks Graph with a bearer token and a client-request-id GUID, then caches the URI in KV", async () => {
    const h = harness();
    await h.isolate().validateRequest("tx", await validCsr(h));
    const [graph] = h.fake.requestsTo("graph");
    expect(graph!.url).toBe(`${GRAPH}/v1.0/servicePrincipals/appId=0000000a-0000-0000-c000-000000000000/endpoints`);
    expect(graph!.headers.authorization).toMatch(/^Bearer \S+$/);
    expect(graph!.headers["client-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const put = h.kv.puts.find((p) => p.key === discoveryKey(FAKE_TENANT_ID, GRAPH));
    expect(put).toEqual({ key: discoveryKey(FAKE_TENANT_ID, GRAPH), value: `${INTUNE}${h.fake.scepServicePath()}`, expirationTtl: 3600 });
  });

  it("follows @odata.nextLink until the SCEP entry appears", async () => {
    const h = harness({ discoveryPageSize: 2 });
    h.fake.discovery.scepEntryLast = true;
    expect((await h.isolate().validateRequest("tx", await validCsr(h))).ok).toBe(true);
    expect(h.fake.requestsTo("graph")).toHaveLength(3);
    expect(new URL(h.fake.requestsTo("graph")[2]!.url).searchParams.get("$skiptoken")).toBe("4");
  });

  it.each(["oddCase", "serviceNameOnly"] as const)("matches the name case-insensitively and falls back to serviceName (%s)", async (style) => {
    const h = harness();
    h.fake.discovery.nameStyle = style;
    h.fake.discovery.trailingSlash = true;
    expect((await h.isolate().validateRequest("tx", await validCsr(h))).ok).toBe(true);
    expect(h.fake.requestsTo("intune")[0]!.url).toBe(`${INTUNE}${h.fake.scepServicePath()}/ScepActions/validateRequest`);
  });

  it("answers ServiceNotFound when no page lists the SCEP service", async () => {
    const h = harness({ discoveryPageSize: 3 });
    h.fake.discovery.omitScepEntry = true;
    const r = await h.isolate().validateRequest("tx", await validCsr(h));
    expect(r).toMatchObject({ ok: false, code: "ServiceNotFound" });
    expect(h.fake.requestsTo("intune")).toHaveLength(0);
    expect(h.kv.puts.some((p) => p.key.includes(":discovery:"))).toBe(false);
  });

  it("expires the URI after INTUNE_DISCOVERY_TTL_SECONDS", async () => {
    const h = harness();
    const client = h.isolate();
    await client.validateRequest("tx1", await validCsr(h));
    h.clock.advance(3599);
    await client.validateRequest("tx2", await validCsr(h));
    expect(h.fake.requestsTo("graph")).toHaveLength(1);
    h.clock.advance(2);
    await client.validateRequest("tx3", await validCsr(h));
    expect(h.fake.requestsTo("graph")).toHaveLength(2);
  });

  it.each([
    ["404", "404"],
    ["503", "503"],
    ["reset", "reset"],
  ] as const)("rediscovers once after a scale-unit move answering %s", async (_label, answer) => {
    const h = harness();
    const a = h.isolate();
    const b = h.isolate();
    await a.validateRequest("tx1", await validCsr(h));
    h.fake.moveScaleUnit();
    h.fake.oldScaleUnitAnswer = answer;
    const r = await a.validateRequest("tx2", await validCsr(h));
    expect(r.ok).toBe(true);
    expect(intuneUrls(h)).toEqual(["su1", "su1", "su2"]);
    expect(h.fake.requestsTo("graph")).toHaveLength(2);
    // The new URI is in KV: another isolate goes straight to it.
    await b.validateRequest("tx3", await validCsr(h));
    expect(intuneUrls(h)).toEqual(["su1", "su1", "su2", "su2"]);
    expect(h.fake.requestsTo("graph")).toHaveLength(2);
  });

  it.each(["500", "503", "404", "reset"] as const)("retries once through rediscovery after a %s from ScepActions", async (fault) => {
    const h = harness();
    h.fake.inject("validateRequest", fault);
    const r = await h.isolate().validateRequest("tx", await validCsr(h));
    expect(r.ok).toBe(true);
    expect(h.fake.requestsTo("intune")).toHaveLength(2);
    expect(h.fake.requestsTo("graph")).toHaveLength(2);
    const ids = h.fake.requestsTo("intune").map((x) => x.headers["client-request-id"]);
    expect(new Set(ids).size).toBe(2);
  });

  it("does not retry a second time", async () => {
    const h = harness();
    h.fake.inject("validateRequest", "500", 2);
    const r = await h.isolate().validateRequest("tx", await validCsr(h));
    expect(r).toMatchObject({ ok: false, code: "HttpError500", httpStatus: 500 });
    expect(r.description).toContain("InternalError");
    expect(h.fake.requestsTo("intune")).toHaveLength(2);
  });

  it("drops the Graph token and retries once on a 401 from Graph", async () => {
    const h = harness();
    h.fake.inject("discovery", "401");
    expect((await h.isolate().validateRequest("tx", await validCsr(h))).ok).toBe(true);
    expect(h.fake.tokenCount(GRAPH_SCOPE)).toBe(2);
    expect(h.fake.requestsTo("graph").map((r) => r.status)).toEqual([401, 200]);
  });

  it("fails with DiscoveryFailed on 403 (no Application.Read.All), 5xx and timeouts", async () => {
    const h = harness({ graphRoles: [] });
    const denied = await h.isolate().validateRequest("tx", await validCsr(h));
    expect(denied).toMatchObject({ ok: false, code: "DiscoveryFailed" });
    expect(denied.description).toContain("Authorization_RequestDenied");

    const h2 = harness();
    h2.fake.inject("discovery", "503");
    expect(await h2.isolate().validateRequest("tx", await validCsr(h2))).toMatchObject({ ok: false, code: "DiscoveryFailed" });
    h2.fake.inject("discovery", "hang");
    expect(await h2.isolate({ timeoutMs: 50 }).validateRequest("tx", await validCsr(h2))).toMatchObject({ ok: false, code: "DiscoveryFailed" });
    h2.fake.close();
    // Nothing cached from the failures: the next call discovers normally.
    expect((await h2.isolate().validateRequest("tx", await validCsr(h2))).ok).toBe(true);
  });

  it("refuses a nextLink to another origin and a non-https service URI", async () => {
    const h = harness({ discoveryPageSize: 1 });
    h.fake.discovery.scepEntryLast = true;
    const offOrigin = async (input: string | URL | Request, init?: RequestInit) => {
      const res = await h.fake.fetch(input, init);
      if (!String(input instanceof Request ? input.url : input).includes("/endpoints")) return res;
      const body = (await res.json()) as Record<string, unknown>;
      if (body["@odata.nextLink"]) body["@odata.nextLink"] = "https://attacker.example/next";
      return Response.json(body);
    };
    const r = await h.isolate({ fetch: offOrigin }).validateRequest("tx", await validCsr(h));
    expect(r).toMatchObject({ ok: false, code: "DiscoveryFailed" });
    expect(r.description).toContain("nextLink");

    const h2 = harness({ intuneBaseUrl: "http://intune.example" });
    const insecure = await h2.isolate().validateRequest("tx", await validCsr(h2));
    expect(insecure).toMatchObject({ ok: false, code: "DiscoveryFailed" });
    expect(h2.fake.requestsTo("intune")).toHaveLength(0);
  });
});
