// Test harness for the Worker project: talks to the Worker through exports.default.fetch and builds
// requests with the client-side building blocks in src/client, the way a real SCEP client would.
import { exports, env } from "cloudflare:workers";
import { randomBytes as nodeRandomBytes, X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  prepareRequest,
  readCertRep,
  sendPkiOperation,
  type CertRepResult,
  type ClientOptions,
  type RequestSigner,
  type Transport,
} from "../../../src/client/scep-client";
import type { PrivateKeyHandle } from "../../../src/crypto/keys";
import { certificateDer, parseCertificate } from "../../support/pkijs";
import type { ContentCipherName } from "../../../src/scep/content-cipher";
import { MessageType } from "../../../src/scep/oids";
import type { HashName } from "../../../src/crypto/algorithms";
import { parsePem } from "../../../src/asn1/pem";
import { buildCsr, newKey, selfSignedCert, type Subject } from "../../support/independent-pki";

export { buildCsr, newKey, spkiDer, type Subject } from "../../support/independent-pki";

const BASE_URL = "http://scep.test/scep";
export const WORKER_TEST_CHALLENGE = "worker-test-challenge";

export const rnd = (n: number): Uint8Array => new Uint8Array(nodeRandomBytes(n));

/** Requests to the Worker under test (inside workerd, no network). */
export function workerFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(input as string, init);
}

const client: ClientOptions = {
  url: BASE_URL,
  fetch: ((u: string | URL | Request, i?: RequestInit) => workerFetch(u, i)) as typeof fetch,
};

const bindings = env as unknown as Record<string, string>;

/** The CA certificate the Worker was configured with (CA_CERT binding), as DER. */
export function caCertDer(): Uint8Array {
  const block = parsePem(bindings.CA_CERT!).find((b) => b.label === "CERTIFICATE");
  if (!block) throw new Error("CA_CERT binding has no certificate");
  return block.der;
}

export function caCert(): pkijs.Certificate {
  return parseCertificate(caCertDer());
}

export function caX509(): X509Certificate {
  return new X509Certificate(Buffer.from(caCertDer()));
}

/** Key generation is the slow part of these tests: RSA-2048 keys are cached per isolate by slot name. */
const keyCache = new Map<string, PrivateKeyHandle>();
export function rsaKey(bits = 2048, slot?: string): PrivateKeyHandle {
  const cacheKey = slot ? `rsa${bits}:${slot}` : undefined;
  if (cacheKey && keyCache.has(cacheKey)) return keyCache.get(cacheKey)!;
  const key = newKey({ algorithm: "rsa", bits });
  if (cacheKey) keyCache.set(cacheKey, key);
  return key;
}

export function ecKey(curve: "P-256" | "P-384" = "P-256"): PrivateKeyHandle {
  return newKey({ algorithm: "ec", curve: curve === "P-256" ? "prime256v1" : "secp384r1" });
}

export function uniqueName(prefix = "device"): string {
  return `${prefix}-${Buffer.from(rnd(6)).toString("hex")}`;
}

/** An opaque transactionID like scepclient's (base64 of random bytes; still a PrintableString subset). */
export function newTransactionId(): string {
  return Buffer.from(rnd(12)).toString("hex").toUpperCase();
}

export interface Signer {
  cert: pkijs.Certificate;
  key: PrivateKeyHandle;
}

/** The signer as the client library takes it (DER certificate). */
export function clientSigner(s: Signer): RequestSigner {
  return { cert: certificateDer(s.cert), key: s.key };
}

export function selfSigned(key: PrivateKeyHandle, commonName = "SCEP SIGNER", options: { criticalAki?: boolean } = {}): Signer {
  return { cert: selfSignedCert(key, { commonName }, options), key };
}

export interface ScepCall {
  messageType?: MessageType | number;
  /** PKCS#10 or other messageData; when absent a CSR is built from `csr`. */
  messageData?: Uint8Array;
  csr?: {
    key?: PrivateKeyHandle;
    subject?: Subject;
    challenge?: string | null;
    challengeEncoding?: "printable" | "utf8";
    dnsNames?: string[];
    hash?: HashName;
  };
  transactionId?: string;
  signer?: Signer;
  recipients?: pkijs.Certificate[];
  cipher?: ContentCipherName;
  hash?: HashName;
  oaep?: boolean;
  transport?: Transport;
}

export interface ScepExchange {
  status: number;
  contentType: string | null;
  body: Uint8Array;
  request: { der: Uint8Array; transactionId: string; senderNonce: Uint8Array; signer: Signer; csrKey?: PrivateKeyHandle; messageData: Uint8Array };
  /** The parsed, verified CertRep (only when the reply was HTTP 200 x-pki-message). */
  rep?: CertRepResult;
}

/** Builds one pkiMessage, sends it, and verifies the CertRep like a careful client. */
export async function scep(call: ScepCall = {}): Promise<ScepExchange> {
  const csrKey = call.messageData ? call.csr?.key : (call.csr?.key ?? rsaKey(2048, "default-csr"));
  const signer = call.signer ?? selfSigned(call.csr?.key?.algorithm === "rsa" ? call.csr.key : rsaKey(2048, "default-signer"));
  const challenge = call.csr?.challenge === null ? undefined : (call.csr?.challenge ?? WORKER_TEST_CHALLENGE);
  const messageData =
    call.messageData ??
    buildCsr({
      key: csrKey!,
      subject: call.csr?.subject ?? { commonName: uniqueName() },
      challenge,
      challengeEncoding: call.csr?.challengeEncoding,
      dnsNames: call.csr?.dnsNames,
      hash: call.csr?.hash,
    });
  const transactionId = call.transactionId ?? newTransactionId();
  const prepared = prepareRequest({
    messageType: (call.messageType ?? MessageType.PKCSReq) as MessageType,
    messageData,
    transactionId,
    signer: clientSigner(signer),
    recipients: (call.recipients ?? [caCert()]).map(certificateDer),
    cipher: call.cipher ?? "aes-256-cbc",
    hash: call.hash ?? "sha256",
    oaep: call.oaep,
    randomBytes: rnd,
  });
  return send(prepared.der, { transactionId, senderNonce: prepared.senderNonce, signer, csrKey, messageData }, call.transport ?? "POST");
}

/** Sends prepared DER and reads the reply (verifying it when it is a CertRep). */
export async function send(der: Uint8Array, request: Omit<ScepExchange["request"], "der">, transport: Transport = "POST"): Promise<ScepExchange> {
  const res = await sendPkiOperation(client, der, transport);
  const body = new Uint8Array(await res.arrayBuffer());
  const contentType = res.headers.get("content-type");
  const exchange: ScepExchange = { status: res.status, contentType, body, request: { ...request, der } };
  if (res.status === 200 && contentType === "application/x-pki-message") {
    exchange.rep = readCertRep(body, { ...request, signer: clientSigner(request.signer) }, [caCertDer()]);
  }
  return exchange;
}

/** A successful PKCSReq with a fresh self-signed signer; returns the issued certificate too. */
export async function enrollOk(call: ScepCall = {}): Promise<ScepExchange & { issued: Uint8Array; issuedCert: pkijs.Certificate }> {
  const ex = await scep(call);
  if (ex.status !== 200 || !ex.rep) throw new Error(`enrollment: HTTP ${ex.status} ${new TextDecoder().decode(ex.body).slice(0, 200)}`);
  if (ex.rep.status !== 0) throw new Error(`enrollment: pkiStatus ${ex.rep.status} failInfo ${ex.rep.failInfo} ${ex.rep.failInfoText}`);
  const issued = ex.rep.certificates[0]!;
  return { ...ex, issued, issuedCert: parseCertificate(issued) };
}

/** IssuerAndSerialNumber DER (GetCert / GetCRL messageData, RFC 8894 §3.3.4). */
export function issuerAndSerial(issuer: pkijs.Certificate["issuer"], serial: asn1js.Integer): Uint8Array {
  return new Uint8Array(new pkijs.IssuerAndSerialNumber({ issuer, serialNumber: serial }).toSchema().toBER());
}

/** IssuerAndSubject DER (CertPoll messageData, RFC 8894 §3.3.3). */
export function issuerAndSubject(issuer: pkijs.Certificate["issuer"], subject: pkijs.Certificate["subject"]): Uint8Array {
  return new Uint8Array(new asn1js.Sequence({ value: [issuer.toSchema(), subject.toSchema()] }).toBER());
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

export function text(body: Uint8Array): string {
  return new TextDecoder().decode(body);
}
