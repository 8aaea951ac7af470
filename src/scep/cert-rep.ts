// CertRep (RFC 8894 §3.3.2): the signed reply to every PKIOperation request.
import type { KeyObject } from "node:crypto";
import { TAG, tlv } from "../asn1/der";
import type { HashName } from "../crypto/algorithms";
import { utf8 } from "../util/bytes";
import type { CertRef } from "../x509/cert-ref";
import type { ContentCipherName } from "./content-cipher";
import { encryptEnvelope } from "./envelope";
import { type FailInfo, MessageType, PkiStatus, SCEP_OID } from "./oids";
import { attributeDer, buildSignedData, printableAttribute, type SignerIdentity } from "./signed-data";

/** Who the reply answers: the parts of the request a CertRep must echo. */
export interface ReplyContext {
  transactionIdBytes: Uint8Array;
  /** The request's senderNonce, returned as recipientNonce. */
  requestNonce: Uint8Array;
  hash: HashName;
}

export type CertRepOutcome =
  | {
      status: PkiStatus.SUCCESS;
      /** Degenerate certs-only SignedData (issued certificate first) or a CRL-only one. */
      payload: Uint8Array;
      recipientCert: CertRef;
      recipientPublicKey: KeyObject;
      cipher: ContentCipherName;
    }
  | { status: PkiStatus.FAILURE; failInfo: FailInfo; failInfoText: string }
  | { status: PkiStatus.PENDING };

export interface CertRepInput {
  reply: ReplyContext;
  outcome: CertRepOutcome;
  signer: SignerIdentity;
  /** Certificates placed in the outer SignedData (the signer's, so clients can verify). */
  certificates: CertRef[];
  randomBytes: (n: number) => Uint8Array;
}

export function buildCertRep(input: CertRepInput): Uint8Array {
  const { reply, outcome } = input;
  const attributes = [
    // Echo the transactionID octets exactly (clients compare bytes, certmonger compares strings).
    attributeDer(SCEP_OID.transactionID, tlv(TAG.PRINTABLE_STRING, reply.transactionIdBytes)),
    printableAttribute(SCEP_OID.messageType, String(MessageType.CertRep)),
    printableAttribute(SCEP_OID.pkiStatus, String(outcome.status)),
    attributeDer(SCEP_OID.senderNonce, tlv(TAG.OCTET_STRING, input.randomBytes(16))),
    attributeDer(SCEP_OID.recipientNonce, tlv(TAG.OCTET_STRING, reply.requestNonce)),
  ];
  // FAILURE and PENDING carry no pkcsPKIEnvelope (RFC 8894 §3.3.2), but an empty eContent rather
  // than none: certmonger's PKCS7_verify fails with "no content" on a detached SignedData.
  let content: Uint8Array = new Uint8Array(0);
  if (outcome.status === PkiStatus.FAILURE) {
    attributes.push(printableAttribute(SCEP_OID.failInfo, String(outcome.failInfo)));
    attributes.push(attributeDer(SCEP_OID.failInfoText, tlv(TAG.UTF8_STRING, utf8(outcome.failInfoText))));
  } else if (outcome.status === PkiStatus.SUCCESS) {
    content = encryptEnvelope(outcome.payload, [{ cert: outcome.recipientCert, publicKey: outcome.recipientPublicKey }], {
      cipher: outcome.cipher,
      randomBytes: input.randomBytes,
    });
  }
  return buildSignedData({
    content,
    attributes,
    signer: input.signer,
    hash: reply.hash,
    certificates: input.certificates,
  });
}
