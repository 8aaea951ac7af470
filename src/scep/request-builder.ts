// Client side of PKIOperation (RFC 8894 §3.3.1): builds pkiMessages the way real clients do.
// Used by the SCEP test client in scripts/ and by tests; the server never calls it.
import { TAG, tlv } from "../asn1/der";
import type { HashName } from "../crypto/algorithms";
import type { ContentCipherName } from "./content-cipher";
import { encryptEnvelope, type EnvelopeRecipient } from "./envelope";
import { SCEP_OID, type MessageType } from "./oids";
import { attributeDer, buildSignedData, printableAttribute, type SignerIdentity } from "./signed-data";

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
      printableAttribute(SCEP_OID.transactionID, input.transactionId),
      printableAttribute(SCEP_OID.messageType, String(input.messageType)),
      attributeDer(SCEP_OID.senderNonce, tlv(TAG.OCTET_STRING, input.senderNonce)),
    ],
    signer: input.signer,
    hash: input.hash,
    certificates: [input.signer.cert],
  });
}

export type { EnvelopeRecipient };
