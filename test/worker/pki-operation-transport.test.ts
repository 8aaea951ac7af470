// How the pkiMessage reaches the Worker (RFC 8894 §4.1 and §4.3): POST with any content type, GET with
// every base64 flavour real clients send, and the HTTP 4xx channel for what cannot be a pkiMessage.
import { describe, expect, it } from "vitest";
import { prepareRequest } from "../../src/client/scep-client";
import { buildCsr } from "../support/independent-pki";
import { MessageType, PkiStatus } from "../../src/scep/oids";
import { readCertRep } from "../../src/client/scep-client";
import {
  caCertDer,
  newTransactionId,
  rnd,
  rsaKey,
  selfSigned,
  uniqueName,
  workerFetch,
  WORKER_TEST_CHALLENGE,
  clientSigner,
} from "./support/scep-harness";

const URL_BASE = "http://scep.test/scep";

function freshRequest() {
  const key = rsaKey(2048, "transport");
  const signer = selfSigned(key);
  const transactionId = newTransactionId();
  const csr = buildCsr({ key, subject: { commonName: uniqueName("transport") }, challenge: WORKER_TEST_CHALLENGE });
  const prepared = prepareRequest({
    messageType: MessageType.PKCSReq,
    messageData: csr,
    transactionId,
    signer: clientSigner(signer),
    recipients: [caCertDer()],
    cipher: "aes-128-cbc",
    hash: "sha256",
    randomBytes: rnd,
  });
  const b64 = Buffer.from(prepared.der).toString("base64");
  return { ...prepared, b64, transactionId, signer };
}

async function expectIssued(res: Response, req: ReturnType<typeof freshRequest>) {
  const body = new Uint8Array(await res.arrayBuffer());
  expect(res.status, new TextDecoder().decode(body).slice(0, 200)).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/x-pki-message");
  const rep = readCertRep(body, { ...req, signer: clientSigner(req.signer) }, [caCertDer()]);
  expect(rep.status).toBe(PkiStatus.SUCCESS);
  expect(rep.certificates.length).toBeGreaterThan(0);
}

/** A 4xx text answer: short, plain, never a 500 and never an echo of the request. */
async function expectRejected(res: Response, status: number) {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  expect(res.headers.get("content-type")).toBe("text/plain");
  expect(body.length).toBeLessThan(200);
  return body;
}

describe("POST", () => {
  it.each([
    ["application/x-pki-message (RFC 8894)", "application/x-pki-message"],
    ["application/octet-stream (micromdm scepclient)", "application/octet-stream"],
    ["text/plain (misconfigured proxies)", "text/plain"],
    ["no content type", undefined],
  ])("content type %s", async (_name, contentType) => {
    const req = freshRequest();
    const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST", headers, body: req.der });
    await expectIssued(res, req);
  });

  it("body of base64 text instead of DER (some embedded clients)", async () => {
    const req = freshRequest();
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST", body: req.b64 });
    await expectIssued(res, req);
  });

  it("body streamed in chunks without a Content-Length", async () => {
    const req = freshRequest();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < req.der.length; i += 500) controller.enqueue(req.der.slice(i, i + 500));
        controller.close();
      },
    });
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST", body: stream });
    await expectIssued(res, req);
  });

  it("oversize body (Content-Length over MAX_MESSAGE_BYTES 65536) -> 413", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST", body: new Uint8Array(65537).fill(0x30) });
    await expectRejected(res, 413);
  });

  // "oversize streamed body without Content-Length -> 413" is in test/interop/oversize-upload.test.ts:
  // over real HTTP, since inside the test isolate workerd logs the cancelled stream on every run.

  it("body of exactly 65536 bytes is not refused for size (400 for the garbage instead)", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST", body: new Uint8Array(65536).fill(0x30) });
    await expectRejected(res, 400);
  });

  it("empty body -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST", body: new Uint8Array(0) });
    await expectRejected(res, 400);
  });

  it("no body at all -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST" });
    await expectRejected(res, 400);
  });

  it("garbage DER -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST", body: rnd(700).map((b, i) => (i === 0 ? 0x30 : b)) });
    await expectRejected(res, 400);
  });

  it("a certificate instead of a pkiMessage -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST", body: caCertDer() });
    await expectRejected(res, 400);
  });

  it("truncated pkiMessage -> 400", async () => {
    const req = freshRequest();
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`, { method: "POST", body: req.der.slice(0, req.der.length - 40) });
    await expectRejected(res, 400);
  });
});

describe("GET", () => {
  it("standard base64, percent-escaped (certmonger)", async () => {
    const req = freshRequest();
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${encodeURIComponent(req.b64)}`);
    await expectIssued(res, req);
  });

  it("standard base64 with '+' and '/' left unescaped (macOS)", async () => {
    const req = freshRequest();
    expect(req.b64).toMatch(/[+/]/);
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${req.b64}`);
    await expectIssued(res, req);
  });

  it("'+' turned into a space by a proxy (%20)", async () => {
    const req = freshRequest();
    expect(req.b64).toContain("+");
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${encodeURIComponent(req.b64.replace(/\+/g, " "))}`);
    await expectIssued(res, req);
  });

  it("base64url without padding (micromdm scepclient without POSTPKIOperation)", async () => {
    const req = freshRequest();
    const url = req.b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const res = await workerFetch(`${URL_BASE}?message=${url}&operation=PKIOperation`);
    await expectIssued(res, req);
  });

  it("embedded %0A line breaks every 64 characters (Cisco IOS)", async () => {
    const req = freshRequest();
    const wrapped = req.b64.replace(/(.{64})/g, "$1\n");
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${encodeURIComponent(wrapped)}`);
    await expectIssued(res, req);
  });

  it("embedded %0D%0A line breaks (PEM-style CRLF)", async () => {
    const req = freshRequest();
    const wrapped = req.b64.replace(/(.{76})/g, "$1\r\n");
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${encodeURIComponent(wrapped)}`);
    await expectIssued(res, req);
  });

  it("message before operation (scepclient parameter order)", async () => {
    const req = freshRequest();
    const res = await workerFetch(`${URL_BASE}?message=${encodeURIComponent(req.b64)}&operation=PKIOperation`);
    await expectIssued(res, req);
  });

  it("oversize message -> 414", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${"A".repeat(90_000)}`);
    await expectRejected(res, 414);
  });

  it("non-base64 characters -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${encodeURIComponent("not*base64!{}")}`);
    await expectRejected(res, 400);
  });

  it("valid base64 of garbage DER -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${encodeURIComponent(Buffer.from(rnd(600)).toString("base64"))}`);
    await expectRejected(res, 400);
  });

  it("valid base64 of a lone SEQUENCE header -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=MIIBAA==`);
    await expectRejected(res, 400);
  });

  it("empty message -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=`);
    await expectRejected(res, 400);
  });

  it("message parameter missing -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation`);
    await expectRejected(res, 400);
  });

  it("message of padding only -> 400", async () => {
    const res = await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${encodeURIComponent("====")}`);
    await expectRejected(res, 400);
  });

  it("rejection text never echoes the message", async () => {
    const marker = "QUJDREVGR0hJSktMTU5PUA";
    const body = await expectRejected(await workerFetch(`${URL_BASE}?operation=PKIOperation&message=${marker}`), 400);
    expect(body).not.toContain(marker);
  });
});
