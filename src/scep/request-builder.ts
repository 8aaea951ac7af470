// Client side of PKIOperation (RFC 8894 §3.3.1): builds pkiMessages the way real clients do.
// Used by the SCEP test client in scripts/ and by tests; the server never calls it.
import * as asn1js from "asn1js";
import type { KeyObject } from "node:crypto";
import { attribute, buildSignedData, type SignerIdentity } from "./signed-data";
import { encryptEnvelope, type EnvelopeRecipient } from "./envelope";
import type { ContentCipherName } from "./content-cipher";
import { OID, type HashName, type MessageType } from "./oids";
import type * as pkijs from "pkijs";

export interface PkiRequestInput {
  messageType: MessageType;
  transactionId: string;
  senderNonce: Uint8Array;
  /** PKCS#10 DER for PKCSReq/RenewalReq, IssuerAndSubject for CertPoll, IssuerAndSerialNumber for GetCert/GetCRL. */
  messageData: Uint8Array;
  recipients: EnvelopeRecipient[];
  cipher: ContentCipherName;
  hash: HashName;
  signer: SignerIdentity;
  randomBytes: (n: number) => Uint8Array;
}

export function buildPkiRequest(input: PkiRequestInput): Uint8Array {
  const envelope = encryptEnvelope(input.messageData, input.recipients, {
    cipher: input.cipher,
    randomBytes: input.randomBytes,
  });
  return buildSignedData({
    content: envelope,
    attributes: [
      attribute(OID.transactionID, new asn1js.PrintableString({ value: input.transactionId })),
      attribute(OID.messageType, new asn1js.PrintableString({ value: String(input.messageType) })),
      attribute(OID.senderNonce, new asn1js.OctetString({ valueHex: input.senderNonce })),
    ],
    signer: input.signer,
    hash: input.hash,
    certificates: [input.signer.cert],
  });
}

export type { EnvelopeRecipient, KeyObject, pkijs };
