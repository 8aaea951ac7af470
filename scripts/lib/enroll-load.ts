// One benchmark level against one SCEP server: distinct pre-built PKCSReq messages POSTed over
// keep-alive at a concurrency, the server processes' CPU from /proc before and after, then every
// reply checked (untimed): signed by a GetCACert certificate, the request's transactionID and
// nonce, SUCCESS, a certificate inside whose serial was not issued before.
import { randomBytes } from "node:crypto";
import { buildCsr } from "../../src/client/csr-builder";
import { buildRequest, openCertRep, selfSigned, type BuiltRequest } from "../../src/client/enrollment";
import { summarizeCert, type ClientKey } from "../../src/client/certificates";
import type { CertView } from "../../src/x509/cert-view";
import { MessageType, PkiStatus } from "../../src/scep/oids";
import { cpuMsOf, percentile } from "./proc-cpu";

export interface Target {
  name: string;
  url: string;
  /** Processes whose CPU is the server's (workerd, or scepserver). */
  pids: number[];
  recipients: CertView[];
  caDers: Uint8Array[];
  challenge: string;
  /** Serials seen in earlier levels: a duplicate counts wherever it repeats. */
  serials: Set<string>;
}

export interface LevelResult {
  server: string;
  concurrency: number;
  n: number;
  ok: number;
  wallMs: number;
  p50: number;
  p99: number;
  cpuPerEnrollment: number;
  duplicates: number;
  failures: Map<string, number>;
}

const rb = (n: number) => new Uint8Array(randomBytes(n));

/**
 * One enrollment as the benchmarks send it: a CSR for `cn` with `challenge`, signed by a
 * self-signed certificate of the same key, AES-128-CBC and SHA-256, a fresh transactionID.
 */
export function enrollmentRequest(
  key: ClientKey,
  cn: string,
  challenge: string,
  recipients: CertView[],
  messageType: MessageType = MessageType.PKCSReq,
): { csrDer: Uint8Array; request: BuiltRequest } {
  const csrDer = buildCsr({ key: key.handle, subject: { commonName: cn }, challenge, hash: "sha256" });
  const request = buildRequest({
    messageType,
    csrDer,
    signer: selfSigned(key.handle, { commonName: cn }),
    recipients,
    cipher: "aes-128-cbc",
    hash: "sha256",
    transactionId: Buffer.from(rb(20)).toString("hex"),
  });
  return { csrDer, request };
}

/** Distinct messages (fresh CN, transactionID and nonce each); yields now and then so timers run. */
export async function buildMessages(t: Target, keys: ClientKey[], n: number, label: string): Promise<BuiltRequest[]> {
  const out: BuiltRequest[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 25 === 24) await new Promise((r) => setImmediate(r));
    out.push(enrollmentRequest(keys[i % keys.length]!, `bench-${label}-${i}`, t.challenge, t.recipients).request);
  }
  return out;
}

interface Shot {
  status: number;
  type: string;
  body?: Uint8Array;
  ms: number;
  error?: string;
}

async function post(url: string, der: Uint8Array): Promise<Shot> {
  const t = performance.now();
  try {
    const res = await fetch(`${url}?operation=PKIOperation`, {
      method: "POST",
      headers: { "content-type": "application/x-pki-message" },
      body: der,
      signal: AbortSignal.timeout(30_000),
    });
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get("content-type") ?? "", body, ms: performance.now() - t };
  } catch (e) {
    return { status: 0, type: "", ms: performance.now() - t, error: (e as Error).message };
  }
}

export async function runLevel(t: Target, messages: BuiltRequest[], concurrency: number): Promise<LevelResult> {
  const n = messages.length;
  const shots: Shot[] = new Array(n);
  let next = 0;
  const cpu0 = cpuMsOf(t.pids);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) shots[i] = await post(t.url, messages[i]!.der);
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = cpuMsOf(t.pids) - cpu0;
  const failures = new Map<string, number>();
  const fail = (why: string) => failures.set(why, (failures.get(why) ?? 0) + 1);
  let ok = 0;
  let duplicates = 0;
  for (const [i, s] of shots.entries()) {
    if (s.error || s.status !== 200 || !s.type.startsWith("application/x-pki-message")) {
      fail(s.error ?? `HTTP ${s.status} ${s.type}`);
      continue;
    }
    try {
      const rep = openCertRep(s.body!, messages[i]!, t.caDers);
      if (rep.status !== PkiStatus.SUCCESS || !rep.certificates[0]) {
        fail(`pkiStatus ${rep.status} ${rep.failInfoText ?? ""}`.trim());
        continue;
      }
      const serial = summarizeCert(rep.certificates[0]).serialHex;
      if (t.serials.has(serial)) duplicates++;
      t.serials.add(serial);
      ok++;
    } catch (e) {
      fail(`bad CertRep: ${(e as Error).message}`);
    }
  }
  const lat = shots.map((s) => s.ms).sort((a, b) => a - b);
  return {
    server: t.name,
    concurrency,
    n,
    ok,
    wallMs,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    cpuPerEnrollment: cpu / n,
    duplicates,
    failures,
  };
}
