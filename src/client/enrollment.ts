// One enrollment request as tools and tests send it: a PKCSReq/RenewalReq pkiMessage around a CSR,
// remembered with what its CertRep must echo (RFC 8894 §3.3.2), and the reply opened against it.
import { randomBytes } from "node:crypto";
import { children, readTlv, slice } from "../asn1/der";
import type { HashName } from "../crypto/algorithms";
import { digestHex } from "../crypto/digest";
import type { ContentCipherName } from "../scep/content-cipher";
import { MessageType } from "../scep/oids";
import type { CertRef } from "../x509/cert-ref";
import { selfSignedSigner, type SimpleName } from "./csr-builder";
import { prepareRequest, readCertRep, type CertRepResult, type RequestSigner } from "./scep-client";
import type { PrivateKeyHandle } from "../crypto/keys";

/** Fresh random bytes (node:crypto, in Node and in workerd). */
export const randomOctets = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** A key with its self-signed signer certificate (RFC 8894 §2.3), valid from now-1h for 7 days. */
export function selfSigned(key: PrivateKeyHandle, subject: SimpleName | Uint8Array, now = new Date()): RequestSigner {
  return { cert: selfSignedSigner(key, subject, now, randomOctets), key };
}

export interface RequestInput {
  messageType?: MessageType;
  /** PKCS#10 DER. */
  csrDer: Uint8Array;
  signer: RequestSigner;
  recipients: CertRef[];
  cipher: ContentCipherName;
  hash: HashName;
  /** Default: hex SHA-1 of the CSR's public key (stable per key, RFC 8894 §3.2.1.1). */
  transactionId?: string;
  /** Default: 16 random bytes. Fixed for certmonger's rekey pair. */
  senderNonce?: Uint8Array;
  oaep?: boolean;
}

export interface BuiltRequest {
  der: Uint8Array;
  transactionId: string;
  senderNonce: Uint8Array;
  signer: RequestSigner;
}

export function buildRequest(i: RequestInput): BuiltRequest {
  const transactionId = i.transactionId ?? transactionIdOfCsr(i.csrDer);
  const prepared = prepareRequest({
    messageType: i.messageType ?? MessageType.PKCSReq,
    messageData: i.csrDer,
    transactionId,
    signer: i.signer,
    recipients: i.recipients,
    cipher: i.cipher,
    hash: i.hash,
    oaep: i.oaep,
    senderNonce: i.senderNonce,
    randomBytes: randomOctets,
  });
  return { der: prepared.der, transactionId, senderNonce: prepared.senderNonce, signer: i.signer };
}

/** Hex SHA-1 of a CSR's SubjectPublicKeyInfo: CertificationRequestInfo's third field (RFC 2986 §4.1). */
function transactionIdOfCsr(csrDer: Uint8Array): string {
  const info = children(csrDer, readTlv(csrDer, 0))[0]!;
  const spki = children(csrDer, info)[2]!;
  return digestHex("sha1", slice(csrDer, spki));
}

/** Verify and open a CertRep (signature by a GetCACert certificate, transactionID, recipientNonce). */
export function openCertRep(der: Uint8Array, req: BuiltRequest, caCertDers: Uint8Array[]): CertRepResult {
  return readCertRep(der, { transactionId: req.transactionId, senderNonce: req.senderNonce, signer: req.signer }, caCertDers);
}
