// OCSPResponse (RFC 6960 §4.2.1) written as DER by concatenation, and signed with node:crypto.
// One BasicOCSPResponse per answer; the unsuccessful statuses are constant byte strings.
import { DER_NULL, derBitString, TAG, tlv } from "../asn1/der";
import { oid } from "../asn1/oid";
import { OID } from "../asn1/oids";
import type { HashName } from "../crypto/algorithms";
import { digest } from "../crypto/digest";
import type { PrivateKeyHandle } from "../crypto/keys";
import { signatureAlgorithmDer, signBytes } from "../crypto/signature";
import { utf8 } from "../util/bytes";
import { subjectPublicKeyBits } from "./cert-id";
import type { CertId } from "./request";

/** OCSPResponseStatus (§4.2.1); 4 is not used. */
export const OcspStatus = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;
export type OcspErrorStatus = Exclude<(typeof OcspStatus)[keyof typeof OcspStatus], 0>;

/** An unsuccessful response: only the status, no responseBytes and no signature (§2.3). */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  return new Uint8Array([TAG.SEQUENCE, 0x03, 0x0a, 0x01, status]);
}

export type CertStatus =
  | { kind: "good" }
  /** reason: CRLReason (RFC 5280 §5.3.1); absent for unspecified, as the CRL omits it. */
  | { kind: "revoked"; revokedAt: Date; reason?: number }
  | { kind: "unknown" };

/**
 * §2.2: a responder may answer "revoked" for a serial its CA never issued, with revocationTime
 * 1970-01-01T00:00:00Z and reason certificateHold, and must then add the extended revoked
 * definition extension (§4.4.8) to the response.
 */
export const NON_ISSUED_REVOKED: CertStatus = { kind: "revoked", revokedAt: new Date(0), reason: 6 };

export interface SingleAnswer {
  certId: CertId;
  status: CertStatus;
}

export interface ResponseSigner {
  key: PrivateKeyHandle;
  /** SubjectPublicKeyInfo of the signing key: the ResponderID byKey is its SHA-1 (§4.2.2.3). */
  spkiDer: Uint8Array;
  /** The delegated responder certificate, sent in `certs` so clients can check the delegation (§4.2.2.2). */
  certDer?: Uint8Array;
  hash: HashName;
}

export interface BasicResponseInput {
  answers: SingleAnswer[];
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate: Date;
  signer: ResponseSigner;
  /** Echoed from the request (RFC 8954 §2.1). */
  nonce?: Uint8Array;
  /** Adds the extended revoked definition (§4.4.8): set when any answer is NON_ISSUED_REVOKED. */
  extendedRevoke?: boolean;
}

const GOOD = new Uint8Array([0x80, 0x00]); // good [0] IMPLICIT NULL
const UNKNOWN = new Uint8Array([0x82, 0x00]); // unknown [2] IMPLICIT UnknownInfo (NULL)

/** GeneralizedTime, Zulu, whole seconds: OCSP uses it for every time, also before 2050 (§4.2.1). */
function generalizedTime(date: Date): Uint8Array {
  const iso = new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();
  return tlv(TAG.GENERALIZED_TIME, utf8(`${iso.slice(0, 19).replace(/[-T:]/g, "")}Z`));
}

function certStatusDer(status: CertStatus): Uint8Array {
  if (status.kind === "good") return GOOD;
  if (status.kind === "unknown") return UNKNOWN;
  // revoked [1] IMPLICIT RevokedInfo ::= SEQUENCE { revocationTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
  const parts = [generalizedTime(status.revokedAt)];
  if (status.reason !== undefined && status.reason !== 0) parts.push(tlv(0xa0, tlv(0x0a, new Uint8Array([status.reason]))));
  return tlv(0xa1, ...parts);
}

/** SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate, nextUpdate [0] EXPLICIT OPTIONAL } */
function singleResponseDer(answer: SingleAnswer, thisUpdate: Uint8Array, nextUpdate: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, answer.certId.der, certStatusDer(answer.status), thisUpdate, nextUpdate);
}

function extensionDer(id: string, value: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, oid(id), tlv(TAG.OCTET_STRING, value));
}

/** KeyHash (§4.2.1): SHA-1 of the responder's subjectPublicKey value. */
function responderKeyHash(spkiDer: Uint8Array): Uint8Array {
  return digest("sha1", subjectPublicKeyBits(spkiDer));
}

/** A successful OCSPResponse carrying one signed BasicOCSPResponse. */
export function buildOcspResponse(input: BasicResponseInput): Uint8Array {
  if (input.answers.length === 0) throw new Error("buildOcspResponse: no answers");
  const thisUpdate = generalizedTime(input.thisUpdate);
  const nextUpdate = tlv(0xa0, generalizedTime(input.nextUpdate));
  const extensions: Uint8Array[] = [];
  if (input.nonce) extensions.push(extensionDer(OID.ocspNonce, tlv(TAG.OCTET_STRING, input.nonce)));
  if (input.extendedRevoke) extensions.push(extensionDer(OID.ocspExtendedRevoke, DER_NULL));
  // ResponseData ::= SEQUENCE { version [0] DEFAULT v1 (omitted in DER), responderID, producedAt, responses, responseExtensions [1] }
  const responseData = tlv(
    TAG.SEQUENCE,
    tlv(0xa2, tlv(TAG.OCTET_STRING, responderKeyHash(input.signer.spkiDer))), // byKey [2] EXPLICIT KeyHash
    generalizedTime(input.producedAt),
    tlv(TAG.SEQUENCE, ...input.answers.map((a) => singleResponseDer(a, thisUpdate, nextUpdate))),
    ...(extensions.length ? [tlv(0xa1, tlv(TAG.SEQUENCE, ...extensions))] : []),
  );
  const { signer } = input;
  const signature = signBytes(signer.key, signer.hash, responseData);
  const basic = tlv(
    TAG.SEQUENCE,
    responseData,
    signatureAlgorithmDer(signer.key, signer.hash),
    derBitString(signature),
    ...(signer.certDer ? [tlv(0xa0, tlv(TAG.SEQUENCE, signer.certDer))] : []),
  );
  // OCSPResponse ::= SEQUENCE { responseStatus, responseBytes [0] EXPLICIT SEQUENCE { responseType, response OCTET STRING } }
  return tlv(
    TAG.SEQUENCE,
    new Uint8Array([0x0a, 0x01, OcspStatus.successful]),
    tlv(0xa0, tlv(TAG.SEQUENCE, oid(OID.ocspBasic), tlv(TAG.OCTET_STRING, basic))),
  );
}
