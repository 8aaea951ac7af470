// PKIOperation end to end: verify -> decrypt -> dispatch by messageType -> CertRep.
import * as pkijs from "pkijs";
import { serialToHex } from "../ca/serial";
import type { Config } from "../config";
import { currentCrl } from "../revocation/crl-service";
import { Asn1Error, decodeAs, parseBer, serialBytes } from "../scep/asn1";
import { buildCertRep, type CertRepOutcome, type ReplyContext } from "../scep/cert-rep";
import type { ContentCipherName } from "../scep/content-cipher";
import { decryptEnvelope, EnvelopeError } from "../scep/envelope";
import { MessageType, PkiStatus } from "../scep/oids";
import { parsePkiMessage, PkiMessageError, type PkiMessage } from "../scep/pki-message";
import { buildCertsOnly } from "../scep/signed-data";
import { enroll } from "./enrollment";
import { EnrollmentFailure, fail, RequestRejected } from "./errors";
import type { EnrollDeps, Runtime } from "./ports";

export async function handlePkiOperation(der: Uint8Array, config: Config, deps: EnrollDeps): Promise<Uint8Array> {
  const { runtime } = deps;
  const message = verifiedMessage(der);
  const reply: ReplyContext = {
    transactionIdBytes: message.transactionIdBytes,
    requestNonce: message.senderNonce,
    hash: message.hash,
  };
  let outcome: CertRepOutcome;
  try {
    outcome = await dispatch(message, config, deps);
  } catch (e) {
    if (!(e instanceof EnrollmentFailure)) throw e;
    runtime.log("failure", { transactionId: message.transactionId, messageType: message.messageType, failInfo: e.failInfo, detail: e.logDetail });
    outcome = { status: PkiStatus.FAILURE, failInfo: e.failInfo, failInfoText: e.publicText };
  }
  return buildCertRep({
    reply,
    outcome,
    signer: config.replySigner,
    certificates: config.replyCertificates,
    randomBytes: runtime.randomBytes,
  });
}

function verifiedMessage(der: Uint8Array): PkiMessage {
  try {
    return parsePkiMessage(der);
  } catch (e) {
    if (e instanceof PkiMessageError || e instanceof Asn1Error) {
      throw new RequestRejected(400, "malformed or unverifiable pkiMessage", e.message);
    }
    throw e;
  }
}

async function dispatch(message: PkiMessage, config: Config, deps: EnrollDeps): Promise<CertRepOutcome> {
  const { ledger, runtime } = deps;
  const chain = [config.ca.caCertDer, ...config.ca.chainDers];
  // Every SUCCESS is encrypted to the signer: refuse a non-RSA signer before anything is issued.
  if (message.signerPublicKey.asymmetricKeyType !== "rsa") {
    throw fail.badAlg("the reply can only be encrypted to an RSA signer certificate");
  }
  switch (message.messageType) {
    case MessageType.PKCSReq:
    case MessageType.RenewalReq: {
      const { content, cipher } = decrypted(message, config, runtime);
      const result = await enroll(message, content, config, deps);
      if (result.kind === "pending") return { status: PkiStatus.PENDING };
      return success(message, buildCertsOnly([result.der, ...chain]), cipher);
    }
    case MessageType.CertPoll: {
      // RFC 8894 §3.3.3: a poll is matched by transactionID; its IssuerAndSubject is informative.
      const { cipher } = decrypted(message, config, runtime);
      const tx = await ledger.latestTransaction(message.transactionId);
      if (!tx) throw fail.badCertId("no request with this transactionID", `poll for unknown ${message.transactionId}`);
      if (tx.state === "pending") return { status: PkiStatus.PENDING };
      if (tx.state === "rejected") throw fail.badRequest("the request was rejected by an administrator", tx.note);
      if (!tx.der) throw fail.badRequest("the certificate is withheld", `poll ${message.transactionId}: undelivered`);
      return success(message, buildCertsOnly([tx.der, ...chain]), cipher);
    }
    case MessageType.GetCert: {
      const { content, cipher } = decrypted(message, config, runtime);
      const serial = requestedSerial(content);
      const record = await ledger.certificateDer(serial);
      if (!record || !record.delivered) throw fail.badCertId("no certificate with this serial number", `GetCert ${serial}`);
      return success(message, buildCertsOnly([record.der]), cipher);
    }
    case MessageType.GetCRL: {
      // RFC 8894 §3.3.4: the CRL goes back in the crls field of a degenerate SignedData.
      const { content, cipher } = decrypted(message, config, runtime);
      requestedSerial(content);
      const crl = await currentCrl(config, ledger, runtime);
      return success(message, buildCertsOnly([], [crl.der]), cipher);
    }
    default:
      throw fail.badRequest(`unsupported messageType ${message.messageType}`);
  }
}

function decrypted(message: PkiMessage, config: Config, runtime: Runtime): { content: Uint8Array; cipher: ContentCipherName } {
  if (!message.envelope) throw new RequestRejected(400, "pkiMessage carries no pkcsPKIEnvelope");
  try {
    return decryptEnvelope(message.envelope, config.recipientKeys, { allowLegacyDes: config.allowLegacyDes });
  } catch (e) {
    if (e instanceof EnvelopeError) {
      // Cipher policy is an answer the client can act on; the signature already verified.
      if (e.reason === "legacy-des-refused") {
        throw fail.badAlg("single DES is not accepted (RFC 8894 §3.5.2): use AES or 3DES");
      }
      if (e.reason === "unsupported-cipher") throw fail.badAlg("unsupported content or key-transport algorithm", e.message);
      // Decryption failures stay one indistinguishable 4xx (no padding oracle).
      throw new RequestRejected(400, "pkcsPKIEnvelope could not be decrypted", e.reason);
    }
    if (e instanceof Asn1Error) throw new RequestRejected(400, "malformed pkcsPKIEnvelope", e.message);
    throw e;
  }
}

/**
 * The reply is encrypted to the request signer with the request's cipher, except single DES,
 * which is never sent (RFC 8894 §3.5.2; OpenSSL 3 clients cannot read it): AES-128 instead.
 */
function success(message: PkiMessage, payload: Uint8Array, requestCipher: ContentCipherName): CertRepOutcome {
  return {
    status: PkiStatus.SUCCESS,
    payload,
    recipientCert: message.signer,
    recipientPublicKey: message.signerPublicKey,
    cipher: requestCipher === "des-cbc" ? "aes-128-cbc" : requestCipher,
  };
}

/** GetCert/GetCRL messageData: IssuerAndSerialNumber (RFC 8894 §3.3.4). */
function requestedSerial(content: Uint8Array): string {
  try {
    const ias = decodeAs("IssuerAndSerialNumber", () => new pkijs.IssuerAndSerialNumber({ schema: parseBer(content, "IssuerAndSerialNumber") }));
    const serial = serialBytes(ias.serialNumber);
    // RFC 5280 §4.1.2.2: serials are at most 20 octets; anything longer is not ours (and not logged).
    if (serial.length > 20) throw new Error("serial too long");
    return serialToHex(serial);
  } catch {
    throw fail.badRequest("messageData is not an IssuerAndSerialNumber");
  }
}
