import { describe, expect, it } from "vitest";
import { E_UNEXPECTED } from "../../src/intune/scep-actions";
import { FAKE_CLIENT_SECRET } from "../fakes/microsoft/fake";
import { makeCsr } from "./support/csr";
import { AUTHORITY, harness, INTUNE } from "./support/harness";

/** Standard base64, written with Node rather than the code under test. */
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

type H = ReturnType<typeof harness>;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function sha1Hex(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-1", bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
}

describe("validateRequest", () => {
  it("sends exactly the contract's headers and body", async () => {
    const h = harness();
    const challenge = h.fake.mintChallenge();
    const csr = await makeCsr({ challenge });
    const r = await h.isolate().validateRequest("4e89b80dcbf3a79d1c281fd7796228066046aac1", csr);
    expect(r).toEqual({ ok: true, code: "Success", clientRequestId: expect.stringMatching(GUID) });
    const [call] = h.fake.requestsTo("intune", "validateRequest");
    expect(call!.headers).toMatchObject({ "api-version": "2018-02-20", "content-type": "application/json", "client-request-id": r.clientRequestId });
    expect(call!.headers.authorization).toMatch(/^Bearer /);
    expect(call!.body).toEqual({
      request: { transactionId: "4e89b80dcbf3a79d1c281fd7796228066046aac1", certificateRequest: b64(csr), callerInfo: "EdgeSCEP/0.1" },
    });
    expect((call!.body as { request: { certificateRequest: string } }).request.certificateRequest).not.toMatch(/\s/);
  });

  const cases: [string, (h: H) => Promise<Uint8Array>][] = [
    [
      "Success",
      async (h) =>
        makeCsr({
          challenge: h.fake.mintChallenge({ expectedSubject: "CN=dev,O=Contoso", expectedSans: ["dns:dev.contoso.com"], keyBits: 2048 }),
          subject: "CN=dev,O=Contoso",
          sans: ["dns:dev.contoso.com"],
        }),
    ],
    ["CertificateRequestDecodingFailed", async () => new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])],
    ["ChallengePasswordMissing", async () => makeCsr({})],
    ["ChallengeDecryptionError", async () => makeCsr({ challenge: "never-minted" })],
    ["BadTenantIdInChallenge", async (h) => makeCsr({ challenge: h.fake.mintChallenge({ tenantId: "99999999-2222-4333-8444-555555555555" }) })],
    ["ChallengeInvalidTimestamp", async (h) => makeCsr({ challenge: h.fake.mintChallenge({ notBefore: new Date(h.clock.ms + 60_000) }) })],
    ["ChallengeExpired", async (h) => makeCsr({ challenge: h.fake.mintChallenge({ notAfter: new Date(h.clock.ms - 1) }) })],
    ["ScepProfileNoLongerTargetedToTheClient", async (h) => makeCsr({ challenge: h.fake.mintChallenge({ targeted: false }) })],
    ["SubjectNameMismatch", async (h) => makeCsr({ challenge: h.fake.mintChallenge({ expectedSubject: "CN=expected" }), subject: "CN=other" })],
    ["SubjectAltNameMissing", async (h) => makeCsr({ challenge: h.fake.mintChallenge({ expectedSans: ["dns:a.example"] }) })],
    [
      "SubjectAltNameMismatch",
      async (h) => makeCsr({ challenge: h.fake.mintChallenge({ expectedSans: ["dns:a.example"] }), sans: ["dns:b.example"] }),
    ],
    ["KeyLengthMismatch", async (h) => makeCsr({ challenge: h.fake.mintChallenge({ keyBits: 4096 }) })],
    ["EnhancedKeyUsageMissing", async (h) => makeCsr({ challenge: h.fake.mintChallenge({ ekus: ["1.3.6.1.5.5.7.3.2"] }) })],
    ["SignatureValidationFailed", async (h) => makeCsr({ challenge: h.fake.mintChallenge(), breakSignature: true })],
    ...[
      "ChallengeDeserializationError",
      "ChallengeDecodingError",
      "KeyUsageMismatch",
      "EnhancedKeyUsageMismatch",
      "AadKeyIdentifierListMissing",
      "RegisteredKeyMismatch",
      "SigningCertThumbprintMismatch",
      "BadCertificateRequestIdInChallenge",
      "BadDeviceIdInChallenge",
      "BadUserIdInChallenge",
      "SubjectNameMissing",
      "Unknown",
    ].map((code): [string, (h: H) => Promise<Uint8Array>] => [code, async (h) => makeCsr({ challenge: h.fake.mintChallenge({ forceCode: code }) })]),
  ];

  it.each(cases)("maps %s", async (code, csrFor) => {
    const h = harness();
    const r = await h.isolate().validateRequest("tx", await csrFor(h));
    expect(r.code).toBe(code);
    expect(r.ok).toBe(code === "Success");
    if (!r.ok) expect(r.httpStatus).toBe(200);
    const log = h.logs.find((l) => l.event === "intune.scep_action")!;
    expect(log.fields).toMatchObject({ action: "validateRequest", transactionId: "tx", code, clientRequestId: r.clientRequestId });
    expect(h.fake.requestsTo("intune")).toHaveLength(1); // business rejections are never retried
  });

  it("accepts Success in any case, fails closed on unknown or missing codes and non-JSON", async () => {
    const h = harness();
    const client = h.isolate();
    const csr = async () => makeCsr({ challenge: h.fake.mintChallenge() });
    h.fake.inject("validateRequest", "unknownCode");
    expect(await client.validateRequest("t1", await csr())).toMatchObject({ ok: false, code: "SomeNewCode", description: expect.any(String) });
    h.fake.inject("validateRequest", "missingCode");
    expect(await client.validateRequest("t2", await csr())).toMatchObject({ ok: false, code: "MissingCode", httpStatus: 200 });
    h.fake.inject("validateRequest", "nonJson");
    expect(await client.validateRequest("t3", await csr())).toMatchObject({ ok: false, code: "NonJsonResponse", httpStatus: 200 });
    h.fake.inject("validateRequest", "nullDescription");
    expect(await client.validateRequest("t4", await csr())).toMatchObject({ ok: true, code: "Success" });
    const lowercasing = h.isolate({
      fetch: async (input, init) => {
        const res = await h.fake.fetch(input, init);
        return String(input).includes("ScepActions") ? new Response((await res.text()).replace('"Success"', '"success"'), res) : res;
      },
    });
    expect(await lowercasing.validateRequest("t5", await csr())).toMatchObject({ ok: true, code: "success" });
    h.fake.inject("validateRequest", "400");
    expect(await client.validateRequest("t6", await csr())).toMatchObject({ ok: false, code: "HttpError400" });
    expect(h.fake.requestsTo("intune")).toHaveLength(6);
  });

  it("bounds a hanging call with the timeout and does not retry it", async () => {
    const h = harness();
    h.fake.inject("validateRequest", "hang");
    const started = Date.now();
    const r = await h.isolate({ timeoutMs: 100 }).validateRequest("tx", await makeCsr({ challenge: h.fake.mintChallenge() }));
    expect(r).toMatchObject({ ok: false, code: "Timeout" });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(h.fake.requestsTo("intune")).toHaveLength(1);
    h.fake.close();
  });

  it("bounds a fetch that ignores the abort signal", async () => {
    const h = harness();
    const client = h.isolate({
      timeoutMs: 50,
      fetch: (input, init) => (String(input).includes("ScepActions") ? new Promise<Response>(() => undefined) : h.fake.fetch(input, init)),
    });
    expect(await client.validateRequest("tx", await makeCsr({ challenge: h.fake.mintChallenge() }))).toMatchObject({ ok: false, code: "Timeout" });
  });

  it("reports a persistent network error as NetworkError after one rediscovery", async () => {
    const h = harness();
    h.fake.inject("validateRequest", "reset", 2);
    const r = await h.isolate().validateRequest("tx", await makeCsr({ challenge: h.fake.mintChallenge() }));
    expect(r).toMatchObject({ ok: false, code: "NetworkError" });
    expect(h.fake.requestsTo("intune")).toHaveLength(2);
  });

  it("refuses empty input without calling anyone", async () => {
    const h = harness();
    expect(await h.isolate().validateRequest("", new Uint8Array([1]))).toMatchObject({ ok: false, code: "InvalidInput" });
    expect(h.fake.requests).toHaveLength(0);
  });

  it("never logs tokens, the secret, the challenge or the CSR", async () => {
    const h = harness();
    const challenge = h.fake.mintChallenge();
    const csr = await makeCsr({ challenge });
    await h.isolate().validateRequest("tx", csr);
    h.fake.revokeTokens();
    await h.isolate().validateRequest("tx2", await makeCsr({ challenge }));
    const text = JSON.stringify(h.logs);
    for (const secret of [FAKE_CLIENT_SECRET, challenge, b64(csr), ...h.fake.tokens.keys()]) expect(text).not.toContain(secret);
  });
});

describe("notifications", () => {
  it("successNotification sends the issued certificate's facts and the fake records them", async () => {
    const h = harness();
    const client = h.isolate();
    const csr = await makeCsr({ challenge: h.fake.mintChallenge() });
    expect((await client.validateRequest("tx-1", csr)).ok).toBe(true);
    const certDer = crypto.getRandomValues(new Uint8Array(700));
    const r = await client.successNotification({
      transactionId: "tx-1",
      csrDer: csr,
      certDer,
      serialHex: "0a:1b:2c",
      notAfter: new Date(Date.UTC(2027, 5, 11, 16, 11, 20, 90)),
      issuerName: "CN=Example Issuing CA,O=Example",
    });
    expect(r.ok).toBe(true);
    expect(h.fake.notifications).toEqual([
      {
        kind: "success",
        clientRequestId: r.clientRequestId,
        notification: {
          transactionId: "tx-1",
          certificateRequest: b64(csr),
          certificateThumbprint: await sha1Hex(certDer),
          certificateSerialNumber: "0A1B2C",
          certificateExpirationDateUtc: "2027-06-11T16:11:20.090Z",
          issuingCertificateAuthority: "CN=Example Issuing CA,O=Example",
          callerInfo: "EdgeSCEP/0.1",
          caConfiguration: "CN=Example Issuing CA,O=Example",
          certificateAuthority: "EdgeSCEP",
        },
      },
    ]);
  });

  it("the strict fake refuses a success notification without a prior validation", async () => {
    const h = harness();
    const r = await h.isolate().successNotification({
      transactionId: "never-validated",
      csrDer: await makeCsr({}),
      certDer: new Uint8Array([1, 2, 3]),
      serialHex: "01",
      notAfter: new Date(),
      issuerName: "CN=CA",
    });
    expect(r).toMatchObject({ ok: false, code: "HttpError400" });
    expect(h.fake.notifications).toHaveLength(0);
  });

  it("a failed success notification is not Success (the pipeline must not deliver)", async () => {
    const h = harness();
    const client = h.isolate();
    const csr = await makeCsr({ challenge: h.fake.mintChallenge() });
    await client.validateRequest("tx", csr);
    h.fake.inject("successNotification", "unknownCode");
    const input = { transactionId: "tx", csrDer: csr, certDer: new Uint8Array([1]), serialHex: "01", notAfter: new Date(), issuerName: "CN=CA" };
    expect((await client.successNotification(input)).ok).toBe(false);
    h.fake.inject("successNotification", "hang");
    expect(await h.isolate({ timeoutMs: 50 }).successNotification(input)).toMatchObject({ ok: false, code: "Timeout" });
    h.fake.close();
  });

  it("failureNotification sends a signed hResult and a description cut to 255 characters", async () => {
    const h = harness();
    const csr = await makeCsr({ challenge: h.fake.mintChallenge() });
    const client = h.isolate();
    const long = `CA refused: ${"x".repeat(300)}`;
    expect((await client.failureNotification({ transactionId: "tx", csrDer: csr, hResult: 0x8000ffff, errorDescription: long })).ok).toBe(true);
    expect((await client.failureNotification({ transactionId: "tx", csrDer: csr, hResult: E_UNEXPECTED, errorDescription: "short" })).ok).toBe(true);
    const [first, second] = h.fake.notifications;
    expect(first!.notification).toEqual({
      transactionId: "tx",
      certificateRequest: b64(csr),
      hResult: -2147418113,
      errorDescription: long.slice(0, 255),
      callerInfo: "EdgeSCEP/0.1",
    });
    expect(second!.notification.hResult).toBe(-2147418113);
    expect(await client.failureNotification({ transactionId: "tx", csrDer: csr, hResult: 1.5, errorDescription: "x" })).toMatchObject({
      code: "InvalidInput",
    });
  });
});

describe("the strict fake", () => {
  async function post(h: H, action: string, body: unknown, headers: Record<string, string> = {}) {
    const tokenRes = await h.fake.fetch(`${AUTHORITY}/${h.fake.options.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: h.fake.options.clientId,
        client_secret: h.fake.options.clientSecret,
        scope: "https://api.manage.microsoft.com//.default",
      }),
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    return h.fake.fetch(`${INTUNE}${h.fake.scepServicePath()}/ScepActions/${action}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${access_token}`,
        "api-version": "2018-02-20",
        "client-request-id": crypto.randomUUID(),
        "content-type": "application/json",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }
  const request = { transactionId: "t", certificateRequest: "MAA=", callerInfo: "x" };

  it.each([
    ["wrong api-version", { request }, { "api-version": "5019-05-05" }],
    ["non-GUID client-request-id", { request }, { "client-request-id": "12345" }],
    ["text/plain", { request }, { "content-type": "text/plain" }],
    ["invalid JSON", "{", {}],
    ["extra wrapper key", { request, x: 1 }, {}],
    ["extra field", { request: { ...request, extra: 1 } }, {}],
    ["line-broken base64", { request: { ...request, certificateRequest: "MAAA\nMAA=" } }, {}],
    ["url-safe base64", { request: { ...request, certificateRequest: "-_-_" } }, {}],
  ])("answers 400 for %s", async (_name, body, headers) => {
    const res = await post(harness(), "validateRequest", body, headers);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "BadRequest" } });
  });

  it("answers 400 for a lowercase thumbprint, a non-ISO date and a string hResult", async () => {
    const h = harness();
    const n = {
      transactionId: "t",
      certificateRequest: "MAA=",
      certificateThumbprint: "ab".repeat(20),
      certificateSerialNumber: "01",
      certificateExpirationDateUtc: "2027-01-01T00:00:00Z",
      issuingCertificateAuthority: "CN=CA",
      callerInfo: "x",
      caConfiguration: "c",
      certificateAuthority: "a",
    };
    expect((await post(h, "successNotification", { notification: n })).status).toBe(400);
    expect(
      (
        await post(h, "successNotification", {
          notification: { ...n, certificateThumbprint: "AB".repeat(20), certificateExpirationDateUtc: "Friday, 1 January 2027" },
        })
      ).status,
    ).toBe(400);
    const f = { transactionId: "t", certificateRequest: "MAA=", hResult: "-2147418113", errorDescription: "e", callerInfo: "x" };
    expect((await post(h, "failureNotification", { notification: f })).status).toBe(400);
    expect((await post(h, "failureNotification", { notification: { ...f, hResult: -2147418113 } })).status).toBe(200);
  });

  it("answers 404 for an unknown action and 401 for a Graph token", async () => {
    const h = harness();
    expect((await post(h, "revokeEverything", { request })).status).toBe(404);
    const res = await h.fake.fetch(`${INTUNE}${h.fake.scepServicePath()}/ScepActions/validateRequest`, {
      method: "POST",
      headers: { authorization: "Bearer nope" },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });
});
