// Helpers for the ledger and admin-API interop tests: an admin API client (fetch + bearer token),
// a small SCEP client over HTTP that builds PKCSReq / CertPoll (20) / GetCert (21) / GetCRL (22)
// messages with the client library in src/client, and openssl wrappers for CRLs and certificate text.
// No vitest imports.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { sendPkiOperation } from "../../../src/client/scep-client";
import { MessageType } from "../../../src/scep/oids";
import { buildCsr as buildCsrDer } from "../../../src/client/csr-builder";
import { buildRequest, openCertRep, randomOctets as rb, selfSigned, type BuiltRequest } from "../../../src/client/enrollment";
import { describeCaCerts, type CaDiscovery } from "../../../src/client/discovery";
import { newRsaKey, type ClientKey } from "../../../src/client/certificates";
import type { CertRepResult, RequestSigner as Signer } from "../../../src/client/scep-client";
import { getCaCert } from "../../../src/client/scep-client";
import { toArrayBuffer } from "../../../src/util/bytes";
import { runCommand, type CmdResult } from "./clients";
import type { LedgerStats } from "../../../src/ledger/types";

export { MessageType };
export type { BuiltRequest, CertRepResult, ClientKey, Signer };

/** A random admin token (the Worker wants at least 16 characters). */
export function newAdminToken(): string {
  return `adm-${Buffer.from(rb(24)).toString("hex")}`;
}

// ---------------------------------------------------------------------------------------------
// admin API

export interface AdminReply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: T;
}

export class AdminClient {
  constructor(
    readonly origin: string,
    readonly token: string | undefined,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<AdminReply<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? this.token : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(this.origin + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed as T };
  }

  async ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request<T>(method, path, { body });
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text}`);
    return r.body;
  }

  stats(): Promise<Stats> {
    return this.ok<Stats>("GET", "/admin/stats");
  }

  /** Every certificate, following the cursor with pages of `limit`. */
  async listAll(query: Record<string, string> = {}, limit = 100): Promise<{ items: CertificateItem[]; pages: number }> {
    const items: CertificateItem[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ ...query, limit: String(limit) });
      if (cursor) q.set("cursor", cursor);
      const page = await this.ok<{ items: CertificateItem[]; cursor?: string }>("GET", `/admin/certificates?${q}`);
      items.push(...page.items);
      cursor = page.cursor;
      pages++;
      if (pages > 1000) throw new Error("cursor does not end");
    } while (cursor);
    return { items, pages };
  }

  revoke(serial: string, reason?: string | number) {
    return this.ok<{ serial: string; status: string; reason: number; alreadyRevoked: boolean }>(
      "POST",
      `/admin/certificates/${serial}/revoke`,
      reason === undefined ? {} : { reason },
    );
  }

  pending() {
    return this.ok<{ items: PendingItem[] }>("GET", "/admin/pending");
  }

  approve(transactionId: string) {
    return this.ok<{ transactionId: string; status: string; serial: string }>("POST", "/admin/pending/approve", { transactionId });
  }

  reject(transactionId: string, reason?: string) {
    return this.ok<{ transactionId: string; status: string }>("POST", "/admin/pending/reject", { transactionId, reason });
  }

  mintChallenge(opts: { ttlSeconds?: number; subject?: string } = {}) {
    return this.ok<{ challenge: string; expiresAt: string; subject: string | null }>("POST", "/admin/challenges", opts);
  }
}

export type Stats = LedgerStats;

export interface CertificateItem {
  serial: string;
  transactionId: string;
  subject: string;
  status: "valid" | "revoked";
  revocationReason?: number;
  createdAt: number;
}

export interface PendingItem {
  transactionId: string;
  requestKey: string;
  subject: string;
  state: string;
  challengeKind: string;
}

// ---------------------------------------------------------------------------------------------
// SCEP over HTTP

/** Serial as hex, upper case, without leading zero bytes (openssl and the ledger may differ there). */
export function normSerial(hex: string): string {
  return hex
    .replace(/[:\s]/g, "")
    .toUpperCase()
    .replace(/^(00)+(?=.)/, "");
}

export class ScepTestClient {
  private constructor(
    readonly url: string,
    readonly ca: CaDiscovery,
    readonly caCertDers: Uint8Array[],
  ) {}

  static async connect(url: string): Promise<ScepTestClient> {
    const { contentType, certificates } = await getCaCert({ url });
    return new ScepTestClient(url, describeCaCerts(contentType, certificates), certificates);
  }

  /** DER Name of the issuing CA. */
  get caSubjectDer(): Uint8Array {
    return this.ca.ca.cert.subjectDer;
  }

  /** A PKCSReq for `key` with subject CN=cn, built and signed now (no network). */
  pkcsReq(o: {
    key: ClientKey;
    cn: string;
    challenge?: string;
    transactionId?: string;
    csrDer?: Uint8Array;
    signer?: Signer;
  }): BuiltRequest & { csrDer: Uint8Array } {
    const csrDer = o.csrDer ?? buildCsrDer({ key: o.key.handle, subject: { commonName: o.cn }, challenge: o.challenge });
    const signer = o.signer ?? selfSigned(o.key.handle, { commonName: o.cn });
    const req = buildRequest({
      messageType: MessageType.PKCSReq,
      csrDer,
      signer,
      recipients: this.ca.recipients,
      cipher: "aes-128-cbc",
      hash: "sha256",
      transactionId: o.transactionId ?? `tx-${Buffer.from(rb(12)).toString("hex")}`,
    });
    return { ...req, csrDer };
  }

  /** CertPoll (20): messageData IssuerAndSubject (RFC 8894 §3.3.3), same transactionID. */
  certPoll(o: { signer: Signer; transactionId: string; subjectDer: Uint8Array }): BuiltRequest {
    const data = new asn1js.Sequence({ value: [derToAsn1(this.caSubjectDer), derToAsn1(o.subjectDer)] });
    return this.message(MessageType.CertPoll, new Uint8Array(data.toBER()), o.signer, o.transactionId);
  }

  /** GetCert (21) or GetCRL (22): messageData IssuerAndSerialNumber (RFC 8894 §3.3.4). */
  issuerAndSerial(messageType: MessageType.GetCert | MessageType.GetCRL, signer: Signer, serialHex: string): BuiltRequest {
    const ias = new pkijs.IssuerAndSerialNumber({
      issuer: new pkijs.RelativeDistinguishedNames({ schema: derToAsn1(this.caSubjectDer) }),
      serialNumber: new asn1js.Integer({
        valueHex: toArrayBuffer(new Uint8Array(Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, "hex"))),
      }),
    });
    return this.message(messageType, new Uint8Array(ias.toSchema().toBER()), signer, `tx-${Buffer.from(rb(12)).toString("hex")}`);
  }

  private message(messageType: MessageType, messageData: Uint8Array, signer: Signer, transactionId: string): BuiltRequest {
    return buildRequest({
      messageType,
      csrDer: messageData,
      signer,
      recipients: this.ca.recipients,
      cipher: "aes-128-cbc",
      hash: "sha256",
      transactionId,
    });
  }

  /** POST the message and open the CertRep (signature, transactionID and nonce are checked). */
  async send(req: BuiltRequest): Promise<CertRepResult> {
    const res = await sendPkiOperation({ url: this.url }, req.der, "POST");
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`PKIOperation: HTTP ${res.status} ${new TextDecoder().decode(body).slice(0, 300)}`);
    return openCertRep(body, req, this.caCertDers);
  }
}

function derToAsn1(der: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(toArrayBuffer(der));
  if (parsed.offset === -1) throw new Error("bad DER");
  return parsed.result;
}

/** A few RSA-2048 keys to share between many requests (key generation dominates otherwise). */
export function keyPool(n: number): ClientKey[] {
  return Array.from({ length: n }, () => newRsaKey(2048));
}

/** Run `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapConcurrent<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}

// ---------------------------------------------------------------------------------------------
// openssl

/** `openssl <args>` with stdin; throws with the full run on a non-zero exit unless allowFail. */
export async function openssl(args: string[], opts: { input?: string; allowFail?: boolean } = {}): Promise<CmdResult> {
  const r = await runCommand("openssl", args, { input: opts.input, timeoutSec: 20 });
  if (r.code !== 0 && !opts.allowFail) throw new Error(`openssl ${args.join(" ")} failed (exit ${r.code})\n${r.stdout}\n${r.stderr}`);
  return r;
}
