// Harness for the Intune interop tests: the built Worker (Miniflare, loopback) wired to the
// Microsoft fake served over HTTP on 127.0.0.1, Entra, Graph and Intune each on its own port (the
// Worker reaches them only through ENTRA_AUTHORITY_URL / GRAPH_BASE_URL and discovery), a small
// SCEP device on src/client/*, and admin-API reads. No vitest imports.
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { buildCsr, selfSignedSigner } from "../../../src/client/csr-builder";
import { getCaCert, prepareRequest, readCertRep, sendPkiOperation } from "../../../src/client/scep-client";
import { importPrivateKeyPem, type PrivateKeyHandle } from "../../../src/crypto/keys";
import { parseCertificate } from "../../support/pkijs";
import { MessageType, type PkiStatus } from "../../../src/scep/oids";
import {
  createMicrosoftFake,
  FAKE_CLIENT_ID,
  FAKE_CLIENT_SECRET,
  FAKE_TENANT_ID,
  type MicrosoftFake,
  type MicrosoftFakeOptions,
} from "../../fakes/microsoft/fake";
import { startMicrosoftFakeServer, type RunningFake } from "../../fakes/microsoft/node-server";
import { COMPATIBILITY_DATE, SCRIPT_ENV, buildWorker, startWorker, wranglerVars, type RunningWorker } from "../../../scripts/lib/worker-server";

const rb = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
export const CALLER_INFO = "EdgeSCEP-interop/1.0";
export const STATIC_SECRET = `static-${Buffer.from(rb(12)).toString("hex")}`;
export const ADMIN_TOKEN = `adm-${Buffer.from(rb(24)).toString("hex")}`;

/** The Worker settings that point it at the fake (plus a static secret for mixed mode). */
export function intuneBindings(
  ca: { certPem: string; keyPem: string },
  fake: Pick<RunningFake, "authorityUrl" | "graphUrl">,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CA_CERT: ca.certPem,
    CA_KEY: ca.keyPem,
    CHALLENGE_MODE: "intune",
    INTUNE_TENANT_ID: FAKE_TENANT_ID,
    INTUNE_CLIENT_ID: FAKE_CLIENT_ID,
    INTUNE_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    ENTRA_AUTHORITY_URL: fake.authorityUrl,
    GRAPH_BASE_URL: fake.graphUrl,
    INTUNE_CALLER_INFO: CALLER_INFO,
    ADMIN_TOKEN,
    ALLOW_LEGACY_DES: "true",
    ...extra,
  };
}

export interface IntuneStack {
  fake: MicrosoftFake;
  server: RunningFake;
  worker: RunningWorker;
  device: ScepDevice;
  admin: AdminReader;
  stop(): Promise<void>;
}

/** Fake on an ephemeral loopback port + the Worker pointed at it. */
export async function startIntuneStack(
  ca: { certPem: string; keyPem: string },
  opts: {
    fake?: MicrosoftFakeOptions;
    extra?: Record<string, string>;
    persistPath?: string;
    shared?: { fake: MicrosoftFake; server: RunningFake };
  } = {},
): Promise<IntuneStack> {
  const fake = opts.shared?.fake ?? createMicrosoftFake(opts.fake);
  const server = opts.shared?.server ?? (await startMicrosoftFakeServer(fake));
  let worker: RunningWorker;
  try {
    const bindings = intuneBindings(ca, server, opts.extra);
    worker = opts.persistPath ? await startPersistentWorker(bindings, opts.persistPath) : await startWorker({ bindings });
  } catch (e) {
    if (!opts.shared) await server.close();
    throw e;
  }
  const device = await ScepDevice.connect(worker.url);
  return {
    fake,
    server,
    worker,
    device,
    admin: new AdminReader(worker.origin, ADMIN_TOKEN),
    stop: async () => {
      await worker.stop();
      if (!opts.shared) await server.close();
    },
  };
}

/**
 * Like startWorker(), but KV and Durable Object storage live under `persistPath`, so a second
 * Miniflare instance (a fresh workerd process and isolate) started on the same path later sees
 * what the first one stored in KV `CACHE`.
 */
async function startPersistentWorker(bindings: Record<string, string>, persistPath: string): Promise<RunningWorker> {
  const scriptPath = process.env[SCRIPT_ENV] ?? (await buildWorker());
  const mf = new Miniflare({
    ...convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      scriptPath,
      modules: true,
      modulesRoot: dirname(scriptPath),
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: ["nodejs_compat"],
      kvNamespaces: { CACHE: "intune-cache" },
      durableObjects: { LEDGER: { className: "Ledger", useSQLite: true } },
      bindings: { ...wranglerVars(), ...bindings },
    }),
    resourcePersistencePath: persistPath,
  } as ConstructorParameters<typeof Miniflare>[0]);
  let origin: string;
  try {
    origin = new URL(await mf.ready).origin;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw e;
  }
  let stopped: Promise<void> | undefined;
  return { url: `${origin}/scep`, origin, port: Number(new URL(origin).port), mf, stop: () => (stopped ??= mf.dispose()) };
}

// ---------------------------------------------------------------------------------------------
// a SCEP device on src/client

export interface DeviceKey {
  handle: PrivateKeyHandle;
  bits: number;
}

export function newKey(bits = 2048): DeviceKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 0x10001 });
  return { handle: importPrivateKeyPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString()), bits };
}

export interface EnrollInput {
  key: DeviceKey;
  cn: string;
  organization?: string;
  challenge?: string;
  dnsNames?: string[];
  /** Default: 40 random hex digits. */
  transactionId?: string;
  /** Resend these exact CSR bytes (a device retry). */
  csrDer?: Uint8Array;
  /** Sign with this certificate (a renewal) instead of a self-signed one. */
  signedBy?: { certDer: Uint8Array; key: DeviceKey };
  messageType?: MessageType;
  /** `/scep/<profile>`: the enrollment path that selects a certificate profile. Default `/scep`. */
  path?: string;
  /** The pkiMessage's digest (a SHA-1 Intune profile signs with SHA-1). Default sha256. */
  messageHash?: "sha1" | "sha256";
  /** RSAES-OAEP key transport, as the Windows SCEP client sends (docs/conformance.md). */
  oaep?: boolean;
}

export interface EnrollOutcome {
  status: PkiStatus;
  failInfo?: number;
  failInfoText?: string;
  transactionId: string;
  csrDer: Uint8Array;
  /** The issued certificate (SUCCESS). */
  certDer?: Uint8Array;
}

let deviceRequests = 0;

class ScepDevice {
  private constructor(
    readonly url: string,
    readonly caCerts: Uint8Array[],
    readonly recipients: Uint8Array[],
  ) {}

  static async connect(url: string): Promise<ScepDevice> {
    const { certificates } = await getCaCert({ url });
    return new ScepDevice(url, certificates, [certificates[0]!]);
  }

  /** Same transactionId and CSR bytes as `first`, with a fresh signer and nonce. */
  retry(first: EnrollOutcome, input: EnrollInput): Promise<EnrollOutcome> {
    return this.enroll({ ...input, transactionId: first.transactionId, csrDer: first.csrDer });
  }

  async enroll(input: EnrollInput): Promise<EnrollOutcome> {
    const subject = { commonName: input.cn, ...(input.organization ? { organization: input.organization } : {}) };
    const csrDer =
      input.csrDer ??
      buildCsr({
        key: input.key.handle,
        subject,
        ...(input.challenge !== undefined ? { challenge: input.challenge } : {}),
        ...(input.dnsNames ? { dnsNames: input.dnsNames } : {}),
      });
    const transactionId = input.transactionId ?? Buffer.from(rb(20)).toString("hex");
    const signer = input.signedBy
      ? { cert: input.signedBy.certDer, key: input.signedBy.key.handle }
      : { cert: selfSignedSigner(input.key.handle, subject, new Date(), rb), key: input.key.handle };
    const prepared = prepareRequest({
      messageType: input.messageType ?? MessageType.PKCSReq,
      messageData: csrDer,
      transactionId,
      signer,
      recipients: this.recipients,
      cipher: "aes-128-cbc",
      hash: input.messageHash ?? "sha256",
      ...(input.oaep ? { oaep: true } : {}),
      randomBytes: rb,
    });
    const url = input.path ? new URL(input.path, this.url).href : this.url;
    // Each request from its own address, as a fleet's devices are: the per-IP limits on failed
    // authentications (src/http/abuse-guard.ts, tested in rate-limits.test.ts) stay out of the way.
    const ip = `198.18.${(++deviceRequests >> 8) & 0xff}.${deviceRequests & 0xff}`;
    const withAddress = (u: string | URL | Request, i?: RequestInit) => fetch(u, { ...i, headers: { ...i?.headers, "cf-connecting-ip": ip } });
    const res = await sendPkiOperation({ url, fetch: withAddress as typeof fetch }, prepared.der, "POST");
    if (res.status !== 200) throw new Error(`PKIOperation: HTTP ${res.status}: ${await res.text()}`);
    const rep = readCertRep(new Uint8Array(await res.arrayBuffer()), { transactionId, senderNonce: prepared.senderNonce, signer }, this.caCerts);
    return {
      status: rep.status,
      ...(rep.failInfo !== undefined ? { failInfo: rep.failInfo } : {}),
      ...(rep.failInfoText !== undefined ? { failInfoText: rep.failInfoText } : {}),
      transactionId,
      csrDer,
      ...(rep.certificates[0] ? { certDer: rep.certificates[0] } : {}),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// admin API (read-only parts)

export interface CertificateItem {
  serial: string;
  transactionId: string;
  subject: string;
  status: "valid" | "revoked";
  revocationReason?: number;
  delivered: boolean;
  sha1: string;
}

class AdminReader {
  constructor(
    readonly origin: string,
    readonly token: string,
  ) {}

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.origin}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  stats(): Promise<{ certificates: number; valid: number; revoked: number; undelivered: number }> {
    return this.get("/admin/stats");
  }

  certificate(serial: string): Promise<CertificateItem> {
    return this.get(`/admin/certificates/${serial}`);
  }

  async byTransaction(transactionId: string): Promise<CertificateItem[]> {
    return (await this.get<{ items: CertificateItem[] }>(`/admin/certificates?transactionId=${encodeURIComponent(transactionId)}`)).items;
  }
}

// ---------------------------------------------------------------------------------------------
// small helpers

export function sha1Upper(der: Uint8Array): string {
  return createHash("sha1").update(der).digest("hex").toUpperCase();
}

export function b64(der: Uint8Array): string {
  return Buffer.from(der).toString("base64");
}

export function serialUpper(certDer: Uint8Array): string {
  const cert = parseCertificate(certDer);
  return Buffer.from(cert.serialNumber.valueBlock.valueHexView)
    .toString("hex")
    .toUpperCase()
    .replace(/^(00)+(?=[0-9A-F])/, "");
}

export function notAfterOf(certDer: Uint8Array): Date {
  return parseCertificate(certDer).notAfter.value;
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Intune calls in the fake's log (ScepActions only), as "operation:status:code". */
export function intuneTrace(fake: MicrosoftFake): string[] {
  return fake.requestsTo("intune").map((r) => `${r.operation}:${r.status}${r.code ? `:${r.code}` : ""}`);
}
