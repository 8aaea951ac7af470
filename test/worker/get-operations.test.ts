// The unauthenticated operations (RFC 8894 §4.2, §4.5, §4.7) and HTTP routing: paths, operation
// names, parameter order, methods. Checklist items 1-3 of docs/scep-clients.md §7.
import { describe, expect, it } from "vitest";
import { caCertDer, hex, workerFetch } from "./support/scep-harness";

const HOST = "http://scep.test";

async function get(pathAndQuery: string, init?: RequestInit) {
  const res = await workerFetch(`${HOST}${pathAndQuery}`, init);
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, contentType: res.headers.get("content-type"), body, text: new TextDecoder().decode(body) };
}

describe("GetCACaps", () => {
  it("answers text/plain exactly, one keyword per LF line, under 1024 bytes", async () => {
    const r = await get("/scep?operation=GetCACaps");
    expect(r.status).toBe(200);
    expect(r.contentType).toBe("text/plain");
    expect(r.body.length).toBeLessThan(1024);
    expect(r.text).not.toContain("\r");
    expect(r.text.endsWith("\n")).toBe(true);
    const caps = r.text.split("\n").filter(Boolean);
    for (const cap of ["AES", "DES3", "POSTPKIOperation", "Renewal", "SHA-1", "SHA-256", "SHA-512", "SCEPStandard"]) {
      expect(caps, cap).toContain(cap);
    }
    // No surrounding whitespace on any keyword (certmonger compares exact lines).
    for (const cap of caps) expect(cap).toBe(cap.trim());
    expect(new Set(caps).size).toBe(caps.length);
  });

  it("does not advertise GetNextCACert when no NEXT_CA_CERT is configured", async () => {
    const r = await get("/scep?operation=GetCACaps");
    expect(r.text.split("\n")).not.toContain("GetNextCACert");
  });

  it("does not advertise single DES", async () => {
    const r = await get("/scep?operation=GetCACaps");
    expect(r.text.split("\n")).not.toContain("DES");
  });
});

describe("GetCACert", () => {
  const variants: Array<[string, string]> = [
    ["message absent (micromdm scepclient)", "/scep?operation=GetCACert"],
    ["message empty", "/scep?operation=GetCACert&message="],
    ["message=0 (certmonger first fetch)", "/scep?operation=GetCACert&message=0"],
    ["message=1 (certmonger chain walk repeat)", "/scep?operation=GetCACert&message=1"],
    ["message=ca", "/scep?operation=GetCACert&message=ca"],
    ["message=arbitrary CA identifier", "/scep?operation=GetCACert&message=Some%20Other%20CA%2F%3F"],
    ["message without '=' at all", "/scep?operation=GetCACert&message"],
  ];
  it.each(variants)("%s -> the configured CA DER as application/x-x509-ca-cert", async (_name, path) => {
    const r = await get(path);
    expect(r.status).toBe(200);
    expect(r.contentType).toBe("application/x-x509-ca-cert");
    expect(hex(r.body)).toBe(hex(caCertDer()));
  });

  it("returns byte-identical bodies for message=0 and message=1 (ends certmonger's walk)", async () => {
    const a = await get("/scep?operation=GetCACert&message=0");
    const b = await get("/scep?operation=GetCACert&message=1");
    expect(hex(a.body)).toBe(hex(b.body));
  });

  it("is served with cache-control no-store", async () => {
    const res = await workerFetch(`${HOST}/scep?operation=GetCACert`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    await res.arrayBuffer();
  });
});

describe("GetNextCACert", () => {
  it("is 404 with a short text reason when no rollover certificate is configured", async () => {
    const r = await get("/scep?operation=GetNextCACert");
    expect(r.status).toBe(404);
    expect(r.contentType).toBe("text/plain");
    expect(r.text.length).toBeLessThan(200);
  });
});

describe("routing", () => {
  it("unknown operation -> 400", async () => {
    const r = await get("/scep?operation=GetCRLs");
    expect(r.status).toBe(400);
    expect(r.text.length).toBeLessThan(200);
  });

  it("missing operation -> 400", async () => {
    const r = await get("/scep");
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/operation/);
  });

  it("empty operation -> 400", async () => {
    expect((await get("/scep?operation=")).status).toBe(400);
  });

  it("operation given only as an unrelated parameter -> 400", async () => {
    expect((await get("/scep?op=GetCACaps")).status).toBe(400);
  });

  it.each(["/scep", "/scep/", "/scep/pkiclient.exe", "/cgi-bin/pkiclient.exe", "/", "/some/deep/tenant/path"])(
    "path %s serves GetCACaps and GetCACert",
    async (path) => {
      const caps = await get(`${path}?operation=GetCACaps`);
      expect(caps.status).toBe(200);
      expect(caps.text).toContain("POSTPKIOperation");
      const cert = await get(`${path}?operation=GetCACert`);
      expect(cert.status).toBe(200);
      expect(hex(cert.body)).toBe(hex(caCertDer()));
    },
  );

  it.each(["getcacaps", "GETCACAPS", "GetCaCaps", "getCACaps"])("operation name case variant %s", async (op) => {
    const r = await get(`/scep?operation=${op}`);
    expect(r.status).toBe(200);
    expect(r.contentType).toBe("text/plain");
  });

  it.each(["getcacert", "GETCACERT", "GetCaCert"])("GetCACert case variant %s", async (op) => {
    const r = await get(`/scep?operation=${op}`);
    expect(r.status).toBe(200);
    expect(r.contentType).toBe("application/x-x509-ca-cert");
  });

  it("message before operation (micromdm scepclient parameter order)", async () => {
    const r = await get("/scep?message=ca&operation=GetCACert");
    expect(r.status).toBe(200);
    expect(hex(r.body)).toBe(hex(caCertDer()));
  });

  it("percent-encoded parameter name and value", async () => {
    const r = await get("/scep?%6Fperation=Get%43ACaps");
    expect(r.status).toBe(200);
    expect(r.text).toContain("SCEPStandard");
  });

  it("malformed percent-encoding in the query -> 400, not 500", async () => {
    const r = await get("/scep?operation=%E0%A4%A");
    expect(r.status).toBe(400);
  });

  it.each(["PUT", "DELETE", "PATCH"])("%s -> 405 with Allow", async (method) => {
    const res = await workerFetch(`${HOST}/scep?operation=GetCACaps`, { method, body: method === "DELETE" ? undefined : "x" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toMatch(/GET/);
    expect(res.headers.get("allow")).toMatch(/POST/);
    await res.arrayBuffer();
  });

  it("POST GetCACaps works (some clients POST every operation)", async () => {
    const r = await get("/scep?operation=GetCACaps", { method: "POST", body: "" });
    expect(r.status).toBe(200);
    expect(r.text).toContain("AES");
  });

  it("HEAD GetCACert answers 200 with the CA content type", async () => {
    const res = await workerFetch(`${HOST}/scep?operation=GetCACert`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-x509-ca-cert");
    await res.arrayBuffer();
  });
});
