// /ocsp through the Worker inside workerd, with the runtime's Cache API and the real ledger:
// answers are cached, a revocation is never hidden by a cached "good", an unrelated revocation
// costs a status read but no new signature, and whatever a client sends gets an OCSPResponse or
// a 4xx. Responses are read with pkijs (an independent decoder); openssl checks them in test/interop.
import { env } from "cloudflare:workers";
import { generateKeyPairSync } from "node:crypto";
import * as pkijs from "pkijs";
import { describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../src/config";
import type { Env } from "../../src/env";
import type { Ledger } from "../../src/ledger/ledger";
import worker from "../../src/index";
import { certIdDer, ocspGetPath, ocspRequestDer } from "../../scripts/lib/ocsp-request";
import { enrollOk, rnd, workerFetch } from "./support/scep-harness";

const config = loadConfig(env as unknown as Env) as Config;
const ca = config.cas.current;
const issuer = { subjectDer: ca.material.caSubjectDer, spkiDer: ca.material.caSpkiDer };
const ledger = () => (env as unknown as { LEDGER: DurableObjectNamespace<Ledger> }).LEDGER.getByName(ca.ledgerName);

interface Answer {
  http: number;
  status: number;
  certStatus?: "good" | "revoked" | "unknown";
  reason?: number;
  producedAt?: number;
  etag: string | null;
  cacheControl: string | null;
}

function read(body: Uint8Array, res: Response): Answer {
  const out: Answer = { http: res.status, status: -1, etag: res.headers.get("etag"), cacheControl: res.headers.get("cache-control") };
  if (res.status !== 200) return out;
  const ocsp = pkijs.OCSPResponse.fromBER(body);
  out.status = ocsp.responseStatus.valueBlock.valueDec;
  if (!ocsp.responseBytes) return out;
  const basic = pkijs.BasicOCSPResponse.fromBER(ocsp.responseBytes.response.valueBlock.valueHexView);
  const single = basic.tbsResponseData.responses[0]!;
  const tag = (single.certStatus as { idBlock: { tagNumber: number } }).idBlock.tagNumber;
  out.certStatus = (["good", "revoked", "unknown"] as const)[tag];
  out.producedAt = basic.tbsResponseData.producedAt.getTime();
  if (out.certStatus === "revoked") {
    const info = (single.certStatus as unknown as { valueBlock: { value: { valueBlock: { value: { valueBlock: { valueDec: number } }[] } }[] } })
      .valueBlock.value;
    out.reason = info[1]?.valueBlock.value[0]?.valueBlock.valueDec;
  }
  return out;
}

async function post(der: Uint8Array): Promise<Answer> {
  const res = await workerFetch("http://ocsp.test/ocsp", { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: der });
  return read(new Uint8Array(await res.arrayBuffer()), res);
}

async function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await workerFetch(`http://ocsp.test${path}`, { headers });
  return read(new Uint8Array(await res.arrayBuffer()), res);
}

async function issued(): Promise<string> {
  const r = await enrollOk();
  return Buffer.from(r.issuedCert.serialNumber.valueBlock.valueHexView).toString("hex").toUpperCase();
}

const single = (serial: string, hash: "sha1" | "sha256" = "sha1") => ocspRequestDer([certIdDer(issuer, serial, hash)]);

describe("answers from the ledger, cached at the edge", () => {
  it("good, then the same signed bytes from the cache; revoked at once after a revocation", async () => {
    const serial = await issued();
    const first = await post(single(serial));
    expect(first).toMatchObject({ http: 200, status: 0, certStatus: "good" });
    expect(first.cacheControl).toMatch(/^public, max-age=\d+, no-transform, must-revalidate$/);
    await new Promise((r) => setTimeout(r, 1100)); // a re-signed answer would carry a later producedAt
    const cached = await get(ocspGetPath(single(serial)));
    expect(cached).toMatchObject({ certStatus: "good", producedAt: first.producedAt, etag: first.etag });

    expect(await ledger().revoke(serial, 1, Date.now())).toBe("revoked");
    const after = await get(ocspGetPath(single(serial)));
    expect(after).toMatchObject({ certStatus: "revoked", reason: 1 });
    expect(after.etag).not.toBe(first.etag);
    expect(await post(single(serial))).toMatchObject({ certStatus: "revoked", etag: after.etag }); // now cached as revoked
  });

  it("another certificate's revocation: the cached good is checked and kept, not re-signed", async () => {
    const keep = await issued();
    const other = await issued();
    const first = await post(single(keep));
    await new Promise((r) => setTimeout(r, 1100));
    await ledger().revoke(other, 4, Date.now());
    const again = await post(single(keep));
    expect(again).toMatchObject({ certStatus: "good", producedAt: first.producedAt, etag: first.etag });
  });

  it("a conditional GET with the ETag is 304", async () => {
    const serial = await issued();
    const first = await get(ocspGetPath(single(serial, "sha256")));
    expect((await get(ocspGetPath(single(serial, "sha256")), { "if-none-match": first.etag! })).http).toBe(304);
  });

  it("a nonce bypasses the cache: a fresh signature every time, never cacheable downstream", async () => {
    const serial = await issued();
    const a = await post(ocspRequestDer([certIdDer(issuer, serial)], rnd(32)));
    await new Promise((r) => setTimeout(r, 1100));
    const b = await post(ocspRequestDer([certIdDer(issuer, serial)], rnd(32)));
    expect(a).toMatchObject({ certStatus: "good", cacheControl: "no-store" });
    expect(b.producedAt).toBeGreaterThan(a.producedAt!);
  });

  it("a serial this CA never issued is unknown; with OCSP_NON_ISSUED=revoked it is the §2.2 form", async () => {
    const stranger = "7F00112233445566778899AABBCCDDEE";
    expect(await post(single(stranger))).toMatchObject({ certStatus: "unknown" });
    const res = await worker.fetch(new Request("http://ocsp.test/ocsp", { method: "POST", body: single("7F00112233445566778899AABBCCDDEF") }), {
      ...(env as unknown as Env),
      OCSP_NON_ISSUED: "revoked",
    });
    expect(read(new Uint8Array(await res.arrayBuffer()), res)).toMatchObject({ certStatus: "revoked", reason: 6 });
  });
});

describe("OCSP_REVISION_TTL_SECONDS", () => {
  const token = "ttl-admin-token-0123456789";
  const ttlEnv = { ...(env as unknown as Env), OCSP_REVISION_TTL_SECONDS: "300", ADMIN_TOKEN: token };
  const ask = async (serial: string) => {
    const res = await worker.fetch(new Request("http://ocsp.test/ocsp", { method: "POST", body: single(serial) }), ttlEnv);
    return read(new Uint8Array(await res.arrayBuffer()), res);
  };

  it("an isolate trusts the revision it read for the TTL (the documented lag); its own admin revocation shows at once", async () => {
    const elsewhere = await issued();
    const here = await issued();
    expect(await ask(elsewhere)).toMatchObject({ certStatus: "good" });
    expect(await ask(here)).toMatchObject({ certStatus: "good" });
    // Revoked by another isolate (straight in the ledger): this isolate may keep its cached good for the TTL.
    await ledger().revoke(elsewhere, 1, Date.now());
    expect(await ask(elsewhere)).toMatchObject({ certStatus: "good" });
    // Revoked through this isolate's admin API: it forgets the revision, so its next answer is revoked.
    const res = await worker.fetch(
      new Request(`http://ocsp.test/admin/certificates/${here}/revoke`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      }),
      ttlEnv,
    );
    expect(res.status).toBe(200);
    expect(await ask(here)).toMatchObject({ certStatus: "revoked" });
    expect(await ask(elsewhere)).toMatchObject({ certStatus: "revoked" }); // the fresh revision covers both
  });
});

describe("what anyone may send", () => {
  const raw = async (init: RequestInit & { path?: string }) => {
    const res = await workerFetch(`http://ocsp.test${init.path ?? "/ocsp"}`, init);
    return { status: res.status, body: new Uint8Array(await res.arrayBuffer()), type: res.headers.get("content-type") };
  };
  const MALFORMED = [0x30, 0x03, 0x0a, 0x01, 0x01];

  it("malformed DER is malformedRequest, unsigned, HTTP 200", async () => {
    for (const body of [
      new Uint8Array([1, 2, 3]),
      new Uint8Array(2000).fill(0x30),
      ocspRequestDer(Array.from({ length: 17 }, () => certIdDer(issuer, "01"))),
    ]) {
      const r = await raw({ method: "POST", body });
      expect(r).toMatchObject({ status: 200, type: "application/ocsp-response" });
      expect([...r.body]).toEqual(MALFORMED);
    }
  });

  it("another CA's CertID is unauthorized", async () => {
    // Same name, another key: not this CA (both hashes must match).
    const otherKey = new Uint8Array(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "der" }));
    const r = await raw({ method: "POST", body: ocspRequestDer([certIdDer({ subjectDer: issuer.subjectDer, spkiDer: otherKey }, "01")]) });
    expect([...r.body]).toEqual([0x30, 0x03, 0x0a, 0x01, 0x06]);
  });

  it("too large is 413 before parsing, an empty GET is 400, PUT is 405, bad base64 is 400", async () => {
    expect((await raw({ method: "POST", body: new Uint8Array(9000) })).status).toBe(413);
    expect((await raw({ method: "GET", path: "/ocsp" })).status).toBe(400);
    expect((await raw({ method: "PUT", body: "x" })).status).toBe(405);
    expect((await raw({ method: "GET", path: "/ocsp/%%%" })).status).toBe(400);
    expect((await raw({ method: "GET", path: `/ocsp/${"A".repeat(12000)}` })).status).toBe(414);
  });

  it("GET with '/' and '+' left raw, as some clients send base64, still decodes", async () => {
    const serial = await issued();
    const b64 = Buffer.from(single(serial)).toString("base64");
    expect(await get(`/ocsp/${b64}`)).toMatchObject({ certStatus: "good" });
  });
});
