// The OCSP work alone, in this process (node:crypto, as in workerd): what parsing and routing a
// request costs (every request pays it, cached or not), and what signing an answer costs with the
// delegated P-256 responder and, for comparison, with the RSA-2048 CA key (OCSP_RESPONDER=ca).
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { loadCaMaterial } from "../../src/ca/ca-material";
import { caKeyId } from "../../src/ca/ca-set";
import { ConfigError, loadConfig } from "../../src/config";
import { handleOcsp } from "../../src/http/ocsp-routes";
import { randomSerial } from "../../src/ca/serial";
import { resolveRequest, signAnswer } from "../../src/ocsp/answer";
import { issuerHashes } from "../../src/ocsp/cert-id";
import { parseOcspRequest } from "../../src/ocsp/request";
import { issueResponderCertificate } from "../../src/ocsp/responder-cert";
import type { ResponseSigner } from "../../src/ocsp/response";
import { certIdDer, ocspRequestDer } from "./ocsp-request";
import { nodeCpuMs } from "./proc-cpu";

function perOp(n: number, fn: () => void): number {
  for (let i = 0; i < Math.min(200, n); i++) fn();
  const c0 = nodeCpuMs();
  for (let i = 0; i < n; i++) fn();
  return (nodeCpuMs() - c0) / n;
}

export function inProcessFigures(ca: { certPem: string; keyPem: string }): Record<string, string> {
  const material = loadCaMaterial({ caCertPem: ca.certPem, caKeyPem: ca.keyPem }, { issuerOnly: true });
  const issuers = [{ hashes: issuerHashes(material.caSubjectDer, material.caSpkiDer) }];
  const der = ocspRequestDer([certIdDer({ subjectDer: material.caSubjectDer, spkiDer: material.caSpkiDer }, "1F2E3D4C5B6A79880011223344556677")]);
  const request = parseOcspRequest(der);
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spkiDer = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const cert = issueResponderCertificate({
    ca: material,
    caKeyId: caKeyId(material.caSpkiDer),
    responderSpkiDer: spkiDer,
    serial: randomSerial((n) => crypto.getRandomValues(new Uint8Array(n))),
    now: new Date(),
    validityDays: 7,
    backdateSeconds: 0,
  });
  const delegated: ResponseSigner = {
    key: { key: privateKey, algorithm: "ec", bits: 256, curve: "prime256v1" },
    spkiDer,
    certDer: cert.der,
    hash: "sha256",
  };
  const caSigned: ResponseSigner = { key: material.caKey, spkiDer: material.caSpkiDer, hash: "sha256" };
  const entries = { [request.certIds[0]!.serialHex]: { status: "valid" as const } };
  const settings = { validitySeconds: 86_400, nonIssued: "unknown" as const };
  const notAfter = new X509Certificate(ca.certPem).validToDate;
  const f = (ms: number) => `${(ms * 1000).toFixed(1)} µs CPU`;
  return {
    "parse + route a request (every request)": f(perOp(20_000, () => resolveRequest(der, issuers))),
    "sign an answer, delegated P-256 responder": f(
      perOp(2_000, () => signAnswer(request, entries, { signer: delegated, notAfter }, settings, new Date())),
    ),
    "sign an answer, RSA-2048 CA key": f(perOp(500, () => signAnswer(request, entries, { signer: caSigned, notAfter }, settings, new Date()))),
  };
}

/** A Cache API stand-in in memory: the Worker code's own share of a cached answer, without Miniflare's cache service. */
class MemoryCache {
  private readonly entries = new Map<string, { body: Uint8Array; headers: [string, string][] }>();
  async match(key: string): Promise<Response | undefined> {
    const e = this.entries.get(key);
    return e ? new Response(e.body.slice(), { headers: e.headers }) : undefined;
  }
  async put(key: string, res: Response): Promise<void> {
    this.entries.set(key, { body: new Uint8Array(await res.arrayBuffer()), headers: [...res.headers] });
  }
}

/**
 * CPU of handleOcsp itself for a cached "good", in this process: the request parsed and routed,
 * the cache entry read, the revision compared, the reply built. The ledger is a stand-in that
 * answers the revision at once (strict mode still calls it once per answer).
 */
export async function cachedHitCpu(ca: { certPem: string; keyPem: string }, n: number): Promise<string> {
  const config = loadConfig({ CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: "x", PUBLIC_BASE_URL: "https://ocsp.bench.test" } as never);
  if (config instanceof ConfigError) throw config;
  const material = config.ca;
  const serial = "1F2E3D4C5B6A79880011223344556677";
  const der = ocspRequestDer([certIdDer({ subjectDer: material.caSubjectDer, spkiDer: material.caSpkiDer }, serial)]);
  const ledger = {
    ocspRevision: async () => 7,
    ocspStatus: async () => ({ revision: 7, entries: { [serial]: { status: "valid" as const } } }),
    ocspResponder: async () => ({ rotate: true }),
    recordResponder: async (cert: { serial: string; der: Uint8Array; notBefore: number; notAfter: number }, sealedKey: Uint8Array) => ({
      serial: cert.serial,
      certDer: cert.der,
      sealedKey,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
    }),
    addOcspCounts: async () => {},
  };
  const ctx = {
    config,
    runtime: { now: () => new Date(), randomBytes: (k: number) => crypto.getRandomValues(new Uint8Array(k)), log: () => {} },
    ledgerOf: () => ledger,
    cache: new MemoryCache() as unknown as Cache,
    waitUntil: () => {},
  };
  const ask = async () => {
    const res = await handleOcsp(
      new Request("https://ocsp.bench.test/ocsp", { method: "POST", body: der }),
      new URL("https://ocsp.bench.test/ocsp"),
      ctx,
    );
    await res.arrayBuffer();
  };
  for (let i = 0; i < 1000; i++) await ask(); // the first signs and caches; the rest are hits (and warm the JIT)
  const c0 = nodeCpuMs();
  for (let i = 0; i < n; i++) await ask();
  return `${(((nodeCpuMs() - c0) / n) * 1000).toFixed(1)} µs CPU`;
}

/**
 * The same Request, body read, cache Response and reply Response as a cached hit, with none of
 * the OCSP work: Node's fetch classes are JavaScript (undici) where workerd's are native, so this
 * share of the figure above is Node's, not the Worker's.
 */
export async function fetchObjectsCpu(n: number): Promise<string> {
  const cache = new MemoryCache();
  const body = new Uint8Array(950);
  await cache.put("k", new Response(body, { headers: { etag: '"x"', "x-ocsp-status": "good", "x-ocsp-revision": "7" } }));
  const ask = async () => {
    const req = new Request("https://ocsp.bench.test/ocsp", { method: "POST", body: new Uint8Array(90) });
    await req.arrayBuffer();
    const hit = (await cache.match("k"))!;
    const bytes = await hit.arrayBuffer();
    await new Response(bytes, { headers: { "content-type": "application/ocsp-response", etag: hit.headers.get("etag")! } }).arrayBuffer();
  };
  for (let i = 0; i < 1000; i++) await ask();
  const c0 = nodeCpuMs();
  for (let i = 0; i < n; i++) await ask();
  return `${(((nodeCpuMs() - c0) / n) * 1000).toFixed(1)} µs CPU`;
}
