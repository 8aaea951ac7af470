import { describe, expect, it } from "vitest";
import { IntuneConfigError, parseIntuneConfig } from "../../src/intune/config";

const base = {
  INTUNE_TENANT_ID: "11111111-2222-4333-8444-555555555555",
  INTUNE_CLIENT_ID: "66666666-7777-4888-9999-aaaaaaaaaaaa",
  INTUNE_CLIENT_SECRET: "s3cr3t-value-that-must-not-leak",
};

function errorOf(env: Record<string, string | undefined>): IntuneConfigError {
  try {
    parseIntuneConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(IntuneConfigError);
    expect(String((err as Error).message)).not.toContain(base.INTUNE_CLIENT_SECRET);
    return err as IntuneConfigError;
  }
  throw new Error("expected an IntuneConfigError");
}

describe("parseIntuneConfig", () => {
  it("applies the documented defaults", () => {
    expect(parseIntuneConfig(base)).toEqual({
      tenantId: base.INTUNE_TENANT_ID,
      clientId: base.INTUNE_CLIENT_ID,
      credential: { kind: "secret", secret: base.INTUNE_CLIENT_SECRET },
      cloud: "public",
      authorityUrl: "https://login.microsoftonline.com",
      graphBaseUrl: "https://graph.microsoft.com",
      graphScope: "https://graph.microsoft.com/.default",
      intuneResourceUrl: "https://api.manage.microsoft.com/",
      intuneScope: "https://api.manage.microsoft.com//.default",
      callerInfo: "EdgeSCEP/0.1",
      discoveryTtlSeconds: 86400,
      revocation: { enabled: true, batchSize: 100 },
    });
  });

  it.each(["INTUNE_TENANT_ID", "INTUNE_CLIENT_ID", "INTUNE_CLIENT_SECRET"])("names a missing %s", (name) => {
    expect(errorOf({ ...base, [name]: undefined }).setting).toBe(name);
    expect(errorOf({ ...base, [name]: "   " }).setting).toBe(name);
  });

  it("never echoes the secret, whatever else is wrong", () => {
    const err = errorOf({ ...base, GRAPH_BASE_URL: `http://evil.example/${base.INTUNE_CLIENT_SECRET}` });
    expect(err.setting).toBe("GRAPH_BASE_URL");
  });

  it("accepts a tenant domain and rejects junk ids", () => {
    expect(parseIntuneConfig({ ...base, INTUNE_TENANT_ID: "contoso.onmicrosoft.com" }).tenantId).toBe("contoso.onmicrosoft.com");
    expect(errorOf({ ...base, INTUNE_TENANT_ID: "not a tenant/../x" }).setting).toBe("INTUNE_TENANT_ID");
    expect(errorOf({ ...base, INTUNE_CLIENT_ID: "my-app" }).setting).toBe("INTUNE_CLIENT_ID");
  });

  it.each([
    ["https://proxy.example.net/", "https://proxy.example.net"],
    ["http://127.0.0.1:8790", "http://127.0.0.1:8790"],
    ["http://127.5.6.7:1/", "http://127.5.6.7:1"],
    ["http://localhost:8790", "http://localhost:8790"],
    ["http://[::1]:8790", "http://[::1]:8790"],
  ])("allows base URL %s", (value, expected) => {
    const c = parseIntuneConfig({ ...base, ENTRA_AUTHORITY_URL: value, GRAPH_BASE_URL: value });
    expect(c.authorityUrl).toBe(expected);
    expect(c.graphBaseUrl).toBe(expected);
  });

  it.each([
    "http://graph.microsoft.com",
    "http://10.0.0.1",
    "http://localhost.evil.example",
    "http://128.0.0.1",
    "ftp://graph.microsoft.com",
    "graph.microsoft.com",
    "https://user:pw@graph.microsoft.com",
    "https://graph.microsoft.com/?x=1",
  ])("refuses base URL %s", (value) => {
    expect(errorOf({ ...base, GRAPH_BASE_URL: value }).setting).toBe("GRAPH_BASE_URL");
    expect(errorOf({ ...base, ENTRA_AUTHORITY_URL: value }).setting).toBe("ENTRA_AUTHORITY_URL");
  });

  it("takes INTUNE_CALLER_INFO and bounds INTUNE_DISCOVERY_TTL_SECONDS", () => {
    expect(parseIntuneConfig({ ...base, INTUNE_CALLER_INFO: "Acme/2" }).callerInfo).toBe("Acme/2");
    expect(parseIntuneConfig({ ...base, INTUNE_DISCOVERY_TTL_SECONDS: "1800" }).discoveryTtlSeconds).toBe(1800);
    for (const bad of ["86401", "59", "1h", "-5"]) {
      expect(errorOf({ ...base, INTUNE_DISCOVERY_TTL_SECONDS: bad }).setting).toBe("INTUNE_DISCOVERY_TTL_SECONDS");
    }
  });

  it("does no I/O (tokens and discovery load lazily)", () => {
    // parseIntuneConfig is synchronous and takes no fetch; the client constructor makes no call either.
    expect(parseIntuneConfig(base)).toBeTruthy();
  });
});
