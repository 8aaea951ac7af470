// CertRep (RFC 8894 §3.3.2): the signed reply to every PKIOperation request.
import type { KeyObject } from "node:crypto";
import { utf8 } from "../util/bytes";
import { TAG, tlv } from "../util/der";
import type { CertRef } from "../x509/cert-ref";
import type { ContentCipherName } from "./content-cipher";
import { encryptEnvelope } from "./envelope";
import { FailInfo, MessageType, OID, PkiStatus, type HashName } from "./oids";
import { attributeDer, buildSignedData, type SignerIdentity } from "./signed-data";

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

const PRINTABLE_STRING = 0x13;
const UTF8_STRING = 0x0c;

/** SCEP strings go out as PrintableString: certmonger reads nothing else. */
function printable(text: string): Uint8Array {
  return tlv(PRINTABLE_STRING, utf8(text));
}

export function buildCertRep(input: CertRepInput): Uint8Array {
  const { reply, outcome } = input;
  const attributes = [
    // Echo the transactionID octets exactly (clients compare bytes, certmonger compares strings).
    attributeDer(OID.transactionID, tlv(PRINTABLE_STRING, reply.transactionIdBytes)),
    attributeDer(OID.messageType, printable(String(MessageType.CertRep))),
    attributeDer(OID.pkiStatus, printable(String(outcome.status))),
    attributeDer(OID.senderNonce, tlv(TAG.OCTET_STRING, input.randomBytes(16))),
    attributeDer(OID.recipientNonce, tlv(TAG.OCTET_STRING, reply.requestNonce)),
  ];
  // FAILURE and PENDING carry no pkcsPKIEnvelope (RFC 8894 §3.3.2), but an empty eContent rather
  // than none: certmonger's PKCS7_verify fails with "no content" on a detached SignedData.
  let content: Uint8Array = new Uint8Array(0);
  if (outcome.status === PkiStatus.FAILURE) {
    attributes.push(attributeDer(OID.failInfo, printable(String(outcome.failInfo))));
    attributes.push(attributeDer(OID.failInfoText, tlv(UTF8_STRING, utf8(outcome.failInfoText))));
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
