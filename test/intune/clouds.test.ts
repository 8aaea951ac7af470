// INTUNE_CLOUD presets against the fake, each role on the preset's own host (the fake is in process,
// so it can answer at login.microsoftonline.us as well as anywhere): the exact token requests,
// scopes, hosts and paths of one validation per cloud, written out here rather than derived from
// src/intune/clouds.ts; and Entra's refusal of another cloud's scope (AADSTS500011).
import { describe, expect, it } from "vitest";
import { IntuneClient } from "../../src/intune/client";
import { IntuneConfigError, parseIntuneConfig } from "../../src/intune/config";
import { IntuneMemory } from "../../src/intune/types";
import {
  createMicrosoftFake,
  FAKE_CLIENT_ID,
  FAKE_CLIENT_SECRET,
  FAKE_ORIGINS,
  FAKE_TENANT_ID,
  scopesOf,
  type FakeCloud,
} from "../fakes/microsoft/fake";
import { makeCsr } from "./support/csr";
import { MemoryKv } from "./support/memory-kv";

const ids = { INTUNE_TENANT_ID: FAKE_TENANT_ID, INTUNE_CLIENT_ID: FAKE_CLIENT_ID, INTUNE_CLIENT_SECRET: FAKE_CLIENT_SECRET };

const EXPECTED: Record<FakeCloud, { authority: string; graph: string; graphScope: string; intuneScope: string; intuneHost: string }> = {
  public: {
    authority: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com",
    graphScope: "https://graph.microsoft.com/.default",
    intuneScope: "https://api.manage.microsoft.com//.default",
    intuneHost: "https://fef.msub05.manage.microsoft.com",
  },
  usgov: {
    authority: "https://login.microsoftonline.us",
    graph: "https://graph.microsoft.us",
    graphScope: "https://graph.microsoft.us/.default",
    intuneScope: "https://api.manage.microsoft.us//.default",
    intuneHost: "https://fef.fxpasu01.manage.microsoft.us",
  },
  "usgov-dod": {
    authority: "https://login.microsoftonline.us",
    graph: "https://dod-graph.microsoft.us",
    graphScope: "https://dod-graph.microsoft.us/.default",
    intuneScope: "https://api.manage.microsoft.us//.default",
    intuneHost: "https://fef.dodasu01.manage.microsoft.us",
  },
  china: {
    authority: "https://login.chinacloudapi.cn",
    graph: "https://microsoftgraph.chinacloudapi.cn",
    graphScope: "https://microsoftgraph.chinacloudapi.cn/.default",
    intuneScope: "https://api.manage.microsoftonline.cn//.default",
    intuneHost: "https://fef.cnpasu01.manage.microsoftonline.cn",
  },
};

describe.each(Object.keys(EXPECTED) as FakeCloud[])("INTUNE_CLOUD=%s", (cloud) => {
  const e = EXPECTED[cloud];

  it("asks the cloud's authority for the cloud's two scopes, Graph at its host, Intune where Graph says", async () => {
    const fake = createMicrosoftFake({ cloud, origins: { authority: e.authority, graph: e.graph, intune: e.intuneHost } });
    const config = parseIntuneConfig({ ...ids, INTUNE_CLOUD: cloud });
    expect({ authority: config.authorityUrl, graph: config.graphBaseUrl, graphScope: config.graphScope, intuneScope: config.intuneScope }).toEqual({
      authority: e.authority,
      graph: e.graph,
      graphScope: e.graphScope,
      intuneScope: e.intuneScope,
    });
    const client = new IntuneClient(config, { fetch: fake.fetch, kv: new MemoryKv(), memory: new IntuneMemory() });
    const result = await client.validateRequest("tx-cloud", await makeCsr({ challenge: fake.mintChallenge() }));
    expect(result).toMatchObject({ ok: true, code: "Success" });

    const trace = fake.requests.map(
      (r) => `${r.method} ${r.url}${r.service === "token" ? ` scope=${(r.body as { scope: string }).scope}` : ""} -> ${r.status}`,
    );
    expect(trace).toEqual([
      `POST ${e.authority}/${FAKE_TENANT_ID}/oauth2/v2.0/token scope=${e.graphScope} -> 200`,
      `GET ${e.graph}/v1.0/servicePrincipals/appId=0000000a-0000-0000-c000-000000000000/endpoints -> 200`,
      `POST ${e.authority}/${FAKE_TENANT_ID}/oauth2/v2.0/token scope=${e.intuneScope} -> 200`,
      `POST ${e.intuneHost}${fake.scepServicePath()}/ScepActions/validateRequest -> 200`,
    ]);
    expect(scopesOf(cloud)).toEqual({ graph: e.graphScope, intune: e.intuneScope });
  });

  it("is refused (AADSTS500011) by any other cloud's Entra, for both scopes", async () => {
    for (const other of (Object.keys(EXPECTED) as FakeCloud[]).filter((c) => c !== cloud)) {
      const fake = createMicrosoftFake({ cloud: other });
      for (const scope of [e.graphScope, e.intuneScope]) {
        // usgov and usgov-dod share the Intune resource: the one scope both clouds know.
        if (scopesOf(other).intune === scope) continue;
        const res = await fake.fetch(`${FAKE_ORIGINS.authority}/${FAKE_TENANT_ID}/oauth2/v2.0/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "client_credentials", client_id: FAKE_CLIENT_ID, client_secret: FAKE_CLIENT_SECRET, scope }),
        });
        expect(res.status, `${other} Entra, scope ${scope}`).toBe(400);
        const body = (await res.json()) as { error: string; error_description: string; error_codes: number[] };
        expect(body.error).toBe("invalid_resource");
        expect(body.error_codes).toEqual([500011]);
        expect(body.error_description).toContain(scope.replace(/\/\.default$/, ""));
      }
    }
  });
});

describe("the audit's case: a US Government tenant with the commercial scopes", () => {
  it("a Worker left on INTUNE_CLOUD=public behind a proxy to GCC High is refused by Entra, and Intune is never called", async () => {
    const fake = createMicrosoftFake({ cloud: "usgov" });
    const config = parseIntuneConfig({ ...ids, ENTRA_AUTHORITY_URL: FAKE_ORIGINS.authority, GRAPH_BASE_URL: FAKE_ORIGINS.graph });
    const client = new IntuneClient(config, { fetch: fake.fetch, kv: new MemoryKv(), memory: new IntuneMemory() });
    const result = await client.validateRequest("tx-mismatch", await makeCsr({ challenge: fake.mintChallenge() }));
    expect(result).toMatchObject({ ok: false, code: "TokenError" });
    expect(result.description).toContain("AADSTS500011");
    expect(fake.requestsTo("token").map((r) => `${r.operation}:${r.status}`)).toEqual(["https://graph.microsoft.com/.default:400"]);
    expect(fake.requestsTo("intune")).toEqual([]);
  });

  it("the same proxy with INTUNE_CLOUD=usgov gets through", async () => {
    const fake = createMicrosoftFake({ cloud: "usgov" });
    const config = parseIntuneConfig({
      ...ids,
      INTUNE_CLOUD: "usgov",
      ENTRA_AUTHORITY_URL: FAKE_ORIGINS.authority,
      GRAPH_BASE_URL: FAKE_ORIGINS.graph,
    });
    const client = new IntuneClient(config, { fetch: fake.fetch, kv: new MemoryKv(), memory: new IntuneMemory() });
    expect(await client.validateRequest("tx-proxy", await makeCsr({ challenge: fake.mintChallenge() }))).toMatchObject({ ok: true });
    expect([...fake.tokenCalls.keys()].sort()).toEqual(["https://api.manage.microsoft.us//.default", "https://graph.microsoft.us/.default"]);
  });
});

describe("cloud settings", () => {
  function settingOf(env: Record<string, string>): string {
    try {
      parseIntuneConfig({ ...ids, ...env });
    } catch (e) {
      expect(e).toBeInstanceOf(IntuneConfigError);
      return (e as IntuneConfigError).setting;
    }
    throw new Error("expected an IntuneConfigError");
  }

  it("refuses another cloud's Microsoft host next to a preset, naming INTUNE_CLOUD", () => {
    // The configuration the old documentation suggested for GCC High: the URLs, not the cloud.
    expect(settingOf({ ENTRA_AUTHORITY_URL: "https://login.microsoftonline.us", GRAPH_BASE_URL: "https://graph.microsoft.us" })).toBe("INTUNE_CLOUD");
    expect(settingOf({ INTUNE_CLOUD: "usgov", GRAPH_BASE_URL: "https://dod-graph.microsoft.us" })).toBe("INTUNE_CLOUD");
    expect(settingOf({ INTUNE_CLOUD: "china", INTUNE_RESOURCE_URL: "https://api.manage.microsoft.com/" })).toBe("INTUNE_CLOUD");
    expect(settingOf({ INTUNE_CLOUD: "gcc-high" })).toBe("INTUNE_CLOUD");
    expect(settingOf({ INTUNE_RESOURCE_URL: "http://api.example" })).toBe("INTUNE_RESOURCE_URL");
  });

  it("derives the Intune scope from INTUNE_RESOURCE_URL with the reference library's double slash, with or without a trailing slash", () => {
    for (const value of ["https://api.manage.example.net", "https://api.manage.example.net/", "https://api.manage.example.net//"]) {
      const c = parseIntuneConfig({ ...ids, INTUNE_RESOURCE_URL: value });
      expect(c.intuneResourceUrl).toBe("https://api.manage.example.net/");
      expect(c.intuneScope).toBe("https://api.manage.example.net//.default");
      expect(c.graphScope).toBe("https://graph.microsoft.com/.default");
    }
  });

  it("keeps the Graph scope of the cloud when GRAPH_BASE_URL points elsewhere (a proxy or a fake)", () => {
    const c = parseIntuneConfig({ ...ids, INTUNE_CLOUD: "usgov-dod", GRAPH_BASE_URL: "https://graph-proxy.example.net/" });
    expect(c.graphBaseUrl).toBe("https://graph-proxy.example.net");
    expect(c.graphScope).toBe("https://dod-graph.microsoft.us/.default");
    expect(c.authorityUrl).toBe("https://login.microsoftonline.us");
  });
});
