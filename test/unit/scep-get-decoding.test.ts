// GET PKIOperation decoding (RFC 8894 §4.1) against the captured query strings, one row per quirk,
// and POST body reading.
import { describe, expect, it } from "vitest";
import { decodeGetMessage, rawQueryParam, readPostMessage } from "../../src/http/message-decoding";
import { RequestRejected } from "../../src/enroll/errors";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { bytesEqual } from "../../src/util/bytes";
import { encodeBase64 } from "../../src/asn1/base64";
import { fixtureBytes, fixtureText } from "./support/real-clients";

const MAX = 64 * 1024;

function searchOf(queryFixture: string): string {
  const text = fixtureText(queryFixture).trim();
  return text.slice(text.indexOf("?"));
}

function rejected(fn: () => unknown): RequestRejected {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RequestRejected);
    return e as RequestRejected;
  }
  throw new Error("expected RequestRejected");
}

async function rejectedAsync(p: Promise<unknown>): Promise<RequestRejected> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RequestRejected);
    return e as RequestRejected;
  }
  throw new Error("expected RequestRejected");
}

// A known-good request as the base for synthetic variants.
const reference = fixtureBytes("certmonger-PKCSReq-aes256-sha256.req.der");
const std = encodeBase64(reference);

describe("captured GET queries", () => {
  it("scepclient: base64url ('-', '_', unpadded), message before operation -> a verifiable pkiMessage", () => {
    const search = searchOf("scepclient-GET-urlsafe-base64.query.txt");
    expect(search.indexOf("message=")).toBeLessThan(search.indexOf("operation="));
    expect(rawQueryParam(search, "operation")).toBe("PKIOperation");
    const value = rawQueryParam(search, "message")!;
    expect(value).toMatch(/[-_]/);
    const der = decodeGetMessage(value, MAX);
    const m = parsePkiMessage(der);
    expect(m.messageType).toBe(19);
    expect(m.hash).toBe("sha1");
  });

  it("the byte micromdm refused (its captured error names it) is a base64url character, and we decode it as one", () => {
    const value = rawQueryParam(searchOf("scepclient-GET-urlsafe-base64.query.txt"), "message")!;
    const at = Number(/illegal base64 data at input byte (\d+)/.exec(fixtureText("mdm-GET-urlsafe-base64-error.resp.txt"))![1]);
    expect("-_").toContain(value[at]);
    const standard = value.replace(/-/g, "+").replace(/_/g, "/");
    expect(bytesEqual(decodeGetMessage(value, MAX), decodeGetMessage(standard, MAX))).toBe(true);
  });

  it("certmonger: standard base64 with %2B %2F %3D -> a verifiable pkiMessage", () => {
    const search = searchOf("certmonger-GET-PKIOperation.query.txt");
    expect(search).toMatch(/%2B/);
    const value = rawQueryParam(search, "message")!;
    expect(value).not.toMatch(/%/);
    expect(value.endsWith("=")).toBe(true);
    const der = decodeGetMessage(value, MAX);
    const m = parsePkiMessage(der);
    expect(m.messageType).toBe(19);
    expect(m.transactionId).toMatch(/^\d{77}$/);
    expect(m.hash).toBe("sha256");
  });

  it("parameter names match case-insensitively and a missing one is undefined", () => {
    const search = searchOf("certmonger-GET-PKIOperation.query.txt");
    expect(rawQueryParam(search.replace("operation=", "OPERATION="), "operation")).toBe("PKIOperation");
    expect(rawQueryParam(search, "nonexistent")).toBeUndefined();
    expect(rawQueryParam("?operation", "operation")).toBe("");
  });
});

describe("synthetic GET variants decode to the same bytes", () => {
  expect(std).toMatch(/\+/);
  expect(std).toMatch(/\//);

  const variants: Array<[string, string]> = [
    ["standard base64, percent-escaped (certmonger)", `?operation=PKIOperation&message=${encodeURIComponent(std)}`],
    ["'+' and '/' left unescaped (macOS)", `?operation=PKIOperation&message=${std}`],
    ["'+' turned into %20 by a proxy", `?operation=PKIOperation&message=${std.replace(/\+/g, "%20")}`],
    ["%0A line breaks every 64 chars (Cisco)", `?operation=PKIOperation&message=${std.replace(/(.{64})/g, "$1%0A")}`],
    ["%0D%0A line breaks", `?operation=PKIOperation&message=${encodeURIComponent(std.replace(/(.{76})/g, "$1\r\n"))}`],
    ["base64url with padding", `?message=${std.replace(/\+/g, "-").replace(/\//g, "_")}&operation=PKIOperation`],
    ["base64url without padding", `?message=${std.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}&operation=PKIOperation`],
  ];

  it.each(variants)("%s", (_name, search) => {
    const der = decodeGetMessage(rawQueryParam(search, "message"), MAX);
    expect(bytesEqual(der, reference)).toBe(true);
  });

  it("a literal space (decoded '+') is taken as '+'", () => {
    expect(bytesEqual(decodeGetMessage(std.replace(/\+/g, " "), MAX), reference)).toBe(true);
  });
});

describe("GET rejections are HTTP 4xx, never a throw of another kind", () => {
  it.each([
    ["a character outside base64", `${std.slice(0, 100)}*${std.slice(100)}`],
    ["a quote", `"${std}"`],
    ["non-ASCII", `${std}é`],
  ])("%s -> 400", (_name, value) => {
    expect(rejected(() => decodeGetMessage(value, MAX)).status).toBe(400);
  });

  it("missing or empty message -> 400", () => {
    expect(rejected(() => decodeGetMessage(undefined, MAX)).status).toBe(400);
    expect(rejected(() => decodeGetMessage("", MAX)).status).toBe(400);
    expect(rejected(() => decodeGetMessage("====", MAX)).status).toBe(400);
  });

  it("invalid percent-encoding -> 400", () => {
    expect(rejected(() => rawQueryParam("?operation=PKIOperation&message=AB%ZZ", "message")).status).toBe(400);
    expect(rejected(() => rawQueryParam("?operation=PKIOperation&message=%E0%A4%A", "message")).status).toBe(400);
  });

  it("larger than the limit -> 414 (use POST)", () => {
    const e = rejected(() => decodeGetMessage(std, reference.length - 1));
    expect(e.status).toBe(414);
    // The estimate counts '=' padding as data (3/4 of the text length), so allow its <= 2 bytes.
    expect(decodeGetMessage(std, reference.length + 2)).toHaveLength(reference.length);
  });
});

describe("POST bodies", () => {
  const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
    new Request("http://scep.test/scep?operation=PKIOperation", { method: "POST", body, headers });

  it("scepclient: raw DER with application/octet-stream is returned byte for byte", async () => {
    const der = fixtureBytes("scepclient-PKCSReq-des-sha1.req.der");
    const got = await readPostMessage(post(der, { "content-type": "application/octet-stream" }), MAX);
    expect(bytesEqual(got, der)).toBe(true);
  });

  it("a base64 text body (with line breaks) is decoded", async () => {
    const got = await readPostMessage(post(std.replace(/(.{64})/g, "$1\n") + "\n"), MAX);
    expect(bytesEqual(got, reference)).toBe(true);
  });

  it("too large -> 413, by content-length and by streamed length", async () => {
    expect((await rejectedAsync(readPostMessage(post(reference), reference.length - 1))).status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(reference.subarray(0, 1000));
        c.enqueue(reference.subarray(1000));
        c.close();
      },
    });
    const req = new Request("http://scep.test/scep", { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect((await rejectedAsync(readPostMessage(req, reference.length - 1))).status).toBe(413);
  });

  it("empty body -> 400", async () => {
    expect((await rejectedAsync(readPostMessage(post(new Uint8Array(0)), MAX))).status).toBe(400);
    expect((await rejectedAsync(readPostMessage(post(null), MAX))).status).toBe(400);
  });
});
