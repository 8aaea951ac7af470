// PKIOperation end to end: verify -> decrypt -> dispatch by messageType -> CertRep.
import { casNamed, type IssuingCa } from "../ca/ca-set";
import { serialToHex } from "../ca/serial";
import type { Config } from "../config";
import { currentCrl, CrlUnavailableError, type CurrentCrl } from "./crl-service";
import { buildCertRep, type CertRepOutcome, type ReplyContext } from "../scep/cert-rep";
import type { ContentCipherName } from "../scep/content-cipher";
import { decryptEnvelope, EnvelopeError } from "../scep/envelope";
import { MessageType, PkiStatus } from "../scep/oids";
import { parsePkiMessage, PkiMessageError, type PkiMessage } from "../scep/pki-message";
import { buildCertsOnly } from "../scep/signed-data";
import { enroll, type EnrollmentRoute } from "./enrollment";
import { EnrollmentFailure, failedAuthentication, refuse, reject } from "./errors";
import type { EnrollDeps } from "./ports";
import { children, content as derContent, DerError, readTlv, slice, stripLeadingZeros, TAG } from "../asn1/der";

export interface PkiOperationResult {
  /** The signed CertRep. */
  reply: Uint8Array;
  /** The request was refused before it proved anything (errors.ts failedAuthentication). */
  failedAuthentication: boolean;
}

export async function handlePkiOperation(
  der: Uint8Array,
  config: Config,
  deps: EnrollDeps,
  route: EnrollmentRoute = {},
): Promise<PkiOperationResult> {
  const { runtime } = deps;
  const message = verifiedMessage(der);
  const reply: ReplyContext = {
    transactionIdBytes: message.transactionIdBytes,
    requestNonce: message.senderNonce,
    hash: message.hash,
  };
  let outcome: CertRepOutcome;
  let failed = false;
  try {
    outcome = await dispatch(message, config, deps, route);
  } catch (e) {
    if (!(e instanceof EnrollmentFailure)) throw e;
    runtime.log("failure", { transactionId: message.transactionId, messageType: message.messageType, failInfo: e.failInfo, detail: e.logDetail });
    outcome = { status: PkiStatus.FAILURE, failInfo: e.failInfo, failInfoText: e.publicText };
    failed = failedAuthentication(e.reason);
  }
  const certRep = buildCertRep({
    reply,
    outcome,
    signer: config.replySigner,
    certificates: config.replyCertificates,
    randomBytes: runtime.randomBytes,
  });
  return { reply: certRep, failedAuthentication: failed };
}

function verifiedMessage(der: Uint8Array): PkiMessage {
  try {
    return parsePkiMessage(der);
  } catch (e) {
    if (e instanceof PkiMessageError) {
      throw reject({ kind: "unverifiable-message", detail: e.message }, { cause: e });
    }
    throw e;
  }
}

async function dispatch(message: PkiMessage, config: Config, deps: EnrollDeps, route: EnrollmentRoute): Promise<CertRepOutcome> {
  const { ledger, runtime } = deps;
  const chain = [config.ca.caCertDer, ...config.ca.chainDers];
  // Every SUCCESS is encrypted to the signer: refuse a non-RSA signer before anything is issued.
  if (message.signerPublicKey.asymmetricKeyType !== "rsa") {
    throw refuse({ kind: "signer-not-rsa" });
  }
  switch (message.messageType) {
    case MessageType.PKCSReq:
    case MessageType.RenewalReq: {
      const { content, cipher } = decrypted(message, config);
      const result = await enroll(message, content, config, deps, route);
      if (result.kind === "pending") return { status: PkiStatus.PENDING };
      return success(message, buildCertsOnly([result.der, ...chain]), cipher);
    }
    case MessageType.CertPoll: {
      // RFC 8894 §3.3.3: a poll is matched by transactionID; its IssuerAndSubject is informative.
      const { cipher } = decrypted(message, config);
      const tx = await ledger.latestTransaction(message.transactionId);
      if (!tx) throw refuse({ kind: "unknown-transaction", transactionId: message.transactionId });
      if (tx.state === "pending") return { status: PkiStatus.PENDING };
      if (tx.state === "rejected") throw refuse({ kind: "rejected-by-admin", note: tx.note });
      if (!tx.der) throw refuse({ kind: "withheld", detail: `poll ${message.transactionId}: undelivered` });
      return success(message, buildCertsOnly([tx.der, ...chain]), cipher);
    }
    case MessageType.GetCert: {
      const { content, cipher } = decrypted(message, config);
      const asked = requestedCertificate(content);
      const found = await findCertificate(asked, config, deps);
      if (!found?.record.delivered) throw refuse({ kind: "unknown-certificate", serial: asked.serial });
      return success(message, buildCertsOnly([found.record.der]), cipher);
    }
    case MessageType.GetCRL: {
      // RFC 8894 §3.3.4: the CRL of the CA that issued the named certificate, in the crls field
      // of a degenerate SignedData.
      const { content, cipher } = decrypted(message, config);
      const asked = requestedCertificate(content);
      const ca = (await findCertificate(asked, config, deps))?.ca ?? casNamed(config.cas, asked.issuerDer)[0];
      if (!ca) throw refuse({ kind: "unknown-issuer", serial: asked.serial });
      let crl: CurrentCrl;
      try {
        crl = await currentCrl(ca, config.crlValiditySeconds, deps.ledgerOf(ca), runtime);
      } catch (e) {
        if (e instanceof CrlUnavailableError) throw refuse({ kind: "crl-unavailable", detail: e.message }, { cause: e });
        throw e;
      }
      return success(message, buildCertsOnly([], [crl.der]), cipher);
    }
    default:
      throw refuse({ kind: "unsupported-message-type", messageType: message.messageType });
  }
}

function decrypted(message: PkiMessage, config: Config): { content: Uint8Array; cipher: ContentCipherName } {
  if (!message.envelope) throw reject({ kind: "no-envelope" });
  try {
    return decryptEnvelope(message.envelope, config.recipientKeys, { allowLegacyDes: config.allowLegacyDes });
  } catch (e) {
    if (e instanceof EnvelopeError) {
      // Cipher policy is an answer the client can act on; the signature already verified.
      if (e.reason === "legacy-des-refused") {
        throw refuse({ kind: "legacy-des" }, { cause: e });
      }
      if (e.reason === "unsupported-cipher") throw refuse({ kind: "unsupported-algorithm", detail: e.message }, { cause: e });
      // Decryption failures stay one indistinguishable 4xx (no padding oracle).
      throw reject({ kind: "undecryptable-envelope", detail: e.reason }, { cause: e });
    }
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

/** GetCert/GetCRL messageData: IssuerAndSerialNumber (RFC 8894 §3.3.4), read as raw DER. */
function requestedCertificate(content: Uint8Array): { issuerDer: Uint8Array; serial: string } {
  try {
    const outer = readTlv(content, 0);
    const [issuer, serial] = children(content, outer);
    if (outer.end !== content.length || outer.tag !== TAG.SEQUENCE || issuer?.tag !== TAG.SEQUENCE || serial?.tag !== TAG.INTEGER)
      throw new DerError("shape");
    const value = stripLeadingZeros(derContent(content, serial));
    // RFC 5280 §4.1.2.2: serials are at most 20 octets; anything longer is not ours (and not logged).
    if (value.length === 0 || value.length > 20) throw new DerError("serial length");
    return { issuerDer: slice(content, issuer), serial: serialToHex(value) };
  } catch (e) {
    throw refuse({ kind: "not-issuer-and-serial" }, { cause: e });
  }
}

/** The certificate in the ledger of a CA with that issuer name (a re-keyed CA may share its name). */
async function findCertificate(
  asked: { issuerDer: Uint8Array; serial: string },
  config: Config,
  deps: EnrollDeps,
): Promise<{ ca: IssuingCa; record: { der: Uint8Array; delivered: boolean } } | undefined> {
  for (const ca of casNamed(config.cas, asked.issuerDer)) {
    const record = await deps.ledgerOf(ca).certificateDer(asked.serial);
    if (record) return { ca, record };
  }
  return undefined;
}
