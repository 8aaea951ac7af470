// The project's one SCEP client, over fetch: what scripts/scep-client.ts, the benchmark and the
// tests use to talk to any SCEP server. It follows RFC 8894 §4 and checks replies like a careful
// client would.
import { encodeBase64 } from "../asn1/base64";
import type { HashName } from "../crypto/algorithms";
import type { PrivateKeyHandle } from "../crypto/keys";
import { parseCertsOnly } from "../scep/certs-only";
import type { ContentCipherName } from "../scep/content-cipher";
import { decryptEnvelope, recipientKeyFor } from "../scep/envelope";
import { MessageType, PkiStatus } from "../scep/oids";
import { parsePkiMessage } from "../scep/pki-message";
import { buildPkiRequest } from "../scep/request-builder";
import { bytesEqual } from "../util/bytes";
import { certView, type CertRef } from "../x509/cert-ref";

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8787/scep */
  url: string;
  fetch?: typeof fetch;
}

export async function getCaCaps(opts: ClientOptions): Promise<string[]> {
  const res = await (opts.fetch ?? fetch)(`${opts.url}?operation=GetCACaps`);
  if (!res.ok) throw new Error(`GetCACaps: HTTP ${res.status}`);
  return (await res.text())
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface CaCertificates {
  contentType: string;
  /** DER certificates in the order served (RA first when there is one). */
  certificates: Uint8Array[];
}

export async function getCaCert(opts: ClientOptions): Promise<CaCertificates> {
  const res = await (opts.fetch ?? fetch)(`${opts.url}?operation=GetCACert&message=ca`);
  if (!res.ok) throw new Error(`GetCACert: HTTP ${res.status}`);
  const contentType = res.headers.get("content-type") ?? "";
  const body = new Uint8Array(await res.arrayBuffer());
  if (contentType === "application/x-x509-ca-cert") return { contentType, certificates: [body] };
  if (contentType === "application/x-x509-ca-ra-cert") return { contentType, certificates: parseCertsOnly(body).certificates };
  throw new Error(`GetCACert: unexpected content type ${contentType}`);
}

export type Transport = "POST" | "GET";

export async function sendPkiOperation(opts: ClientOptions, der: Uint8Array, transport: Transport): Promise<Response> {
  const f = opts.fetch ?? fetch;
  if (transport === "POST") {
    return f(`${opts.url}?operation=PKIOperation`, {
      method: "POST",
      headers: { "content-type": "application/x-pki-message" },
      body: der,
    });
  }
  return f(`${opts.url}?operation=PKIOperation&message=${encodeURIComponent(encodeBase64(der))}`);
}

/** The certificate (DER or view) and key that sign a request and open its reply. */
export interface RequestSigner {
  cert: CertRef;
  key: PrivateKeyHandle;
}

export interface RequestOptions {
  messageType: MessageType;
  messageData: Uint8Array;
  transactionId: string;
  /** The certificate and key signing the request: self-signed, or the old certificate for renewal. */
  signer: RequestSigner;
  /** Recipients of the envelope: the RA, else the CA (scepclient: all of them). */
  recipients: CertRef[];
  cipher: ContentCipherName;
  hash: HashName;
  oaep?: boolean;
  /** Default: 16 fresh random bytes. A fixed one reproduces certmonger's rekey pair. */
  senderNonce?: Uint8Array;
  randomBytes: (n: number) => Uint8Array;
}

export interface PreparedRequest {
  der: Uint8Array;
  senderNonce: Uint8Array;
}

export function prepareRequest(o: RequestOptions): PreparedRequest {
  const senderNonce = o.senderNonce ?? o.randomBytes(16);
  const der = buildPkiRequest({
    messageType: o.messageType,
    transactionId: o.transactionId,
    senderNonce,
    messageData: o.messageData,
    recipients: o.recipients.map((cert) => ({
      cert,
      publicKey: certView(cert).publicKey(),
      oaep: o.oaep,
    })),
    cipher: o.cipher,
    hash: o.hash,
    signer: o.signer,
    randomBytes: o.randomBytes,
  });
  return { der, senderNonce };
}

export interface CertRepResult {
  status: PkiStatus;
  failInfo?: number;
  failInfoText?: string;
  transactionId: string;
  /** Certificates from the decrypted payload (issued certificate first). */
  certificates: Uint8Array[];
  crls: Uint8Array[];
  replyCipher?: ContentCipherName;
}

/**
 * Verifies and opens a CertRep: the signature must verify with a certificate from GetCACert, the
 * transactionID and recipientNonce must match the request (RFC 8894 §3.3.2), and SUCCESS content
 * is decrypted with the request signer's key.
 */
export function readCertRep(
  der: Uint8Array,
  request: { transactionId: string; senderNonce: Uint8Array; signer: RequestSigner },
  caCertificates: Uint8Array[],
): CertRepResult {
  const reply = parsePkiMessage(der);
  if (!caCertificates.some((c) => bytesEqual(c, reply.signerCertDer))) throw new Error("CertRep signer is not a GetCACert certificate");
  if (reply.messageType !== MessageType.CertRep) throw new Error(`reply messageType ${reply.messageType}`);
  if (reply.transactionId !== request.transactionId) throw new Error("reply transactionID differs");
  if (!reply.recipientNonce || !bytesEqual(reply.recipientNonce, request.senderNonce)) throw new Error("reply recipientNonce differs");
  const status = reply.pkiStatus as PkiStatus;
  const result: CertRepResult = { status, transactionId: reply.transactionId, certificates: [], crls: [] };
  if (status === PkiStatus.FAILURE) return { ...result, failInfo: reply.failInfo, failInfoText: reply.failInfoText };
  if (status !== PkiStatus.SUCCESS) return result;
  if (!reply.envelope) throw new Error("SUCCESS without content");
  const opened = decryptEnvelope(reply.envelope, [recipientKeyFor(request.signer.cert, request.signer.key)], { allowLegacyDes: true });
  const payload = parseCertsOnly(opened.content);
  return { ...result, certificates: payload.certificates, crls: payload.crls, replyCipher: opened.cipher };
}
