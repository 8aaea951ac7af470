// CertRep (RFC 8894 §3.3.2): the signed reply to every PKIOperation request.
import * as asn1js from "asn1js";
import type * as pkijs from "pkijs";
import type { KeyObject } from "node:crypto";
import { attribute, buildSignedData, type SignerIdentity } from "./signed-data";
import { encryptEnvelope } from "./envelope";
import type { ContentCipherName } from "./content-cipher";
import { FailInfo, MessageType, OID, PkiStatus, type HashName } from "./oids";

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
      recipientCert: pkijs.Certificate;
      recipientPublicKey: KeyObject;
      cipher: ContentCipherName;
    }
  | { status: PkiStatus.FAILURE; failInfo: FailInfo; failInfoText: string }
  | { status: PkiStatus.PENDING };

export interface CertRepInput {
  reply: ReplyContext;
  outcome: CertRepOutcome;
  signer: SignerIdentity;
  /** Certificates carried in the outer SignedData (the signer's, so clients can verify). */
  certificates: pkijs.Certificate[];
  randomBytes: (n: number) => Uint8Array;
}

/** SCEP strings go out as PrintableString: certmonger reads nothing else. */
function printable(text: string): asn1js.PrintableString {
  return new asn1js.PrintableString({ value: text });
}

export function buildCertRep(input: CertRepInput): Uint8Array {
  const { reply, outcome } = input;
  const attributes: pkijs.Attribute[] = [
    // Echo the transactionID octets exactly (clients compare bytes, certmonger compares strings).
    attribute(OID.transactionID, new asn1js.PrintableString({ valueHex: reply.transactionIdBytes } as never)),
    attribute(OID.messageType, printable(String(MessageType.CertRep))),
    attribute(OID.pkiStatus, printable(String(outcome.status))),
    attribute(OID.senderNonce, new asn1js.OctetString({ valueHex: input.randomBytes(16) })),
    attribute(OID.recipientNonce, new asn1js.OctetString({ valueHex: reply.requestNonce })),
  ];
  // FAILURE and PENDING carry no pkcsPKIEnvelope (RFC 8894 §3.3.2), but an empty eContent rather
  // than none: certmonger's PKCS7_verify fails with "no content" on a detached SignedData.
  let content = new Uint8Array(0);
  if (outcome.status === PkiStatus.FAILURE) {
    attributes.push(attribute(OID.failInfo, printable(String(outcome.failInfo))));
    attributes.push(attribute(OID.failInfoText, new asn1js.Utf8String({ value: outcome.failInfoText })));
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
