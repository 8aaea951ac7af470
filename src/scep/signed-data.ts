// CMS SignedData as SCEP uses it (RFC 5652 §5, RFC 8894 §3.2): one signer with signed attributes,
// and the degenerate certs-only form (§3.4). Written as raw DER: everything here is built per
// request on the hot path. Signing goes through node:crypto with the handle's key.
import { createHash } from "node:crypto";
import { DER_NULL, derInteger, derSetOf, TAG, tlv } from "../asn1/der";
import { oid } from "../asn1/oid";
import { OID } from "../asn1/oids";
import { ECDSA_SIGNATURE_OID, HASH_TO_DIGEST_OID, type HashName } from "../crypto/algorithms";
import type { PrivateKeyHandle } from "../crypto/keys";
import { signBytes } from "../crypto/signature";
import { utf8 } from "../util/bytes";
import { certDer, issuerAndSerial, type CertRef } from "../x509/cert-ref";

export interface SignerIdentity {
  cert: CertRef;
  key: PrivateKeyHandle;
}

export interface SignedDataInput {
  /** eContent of type data. FAILURE/PENDING CertReps pass an empty one (see cert-rep.ts). */
  content?: Uint8Array;
  /** SCEP attributes as DER Attribute SEQUENCEs; contentType and messageDigest are added here. */
  attributes: Uint8Array[];
  signer: SignerIdentity;
  hash: HashName;
  /** Certificates to carry (DER or parsed), e.g. the signer's so clients can verify. */
  certificates: CertRef[];
}

const INTEGER_1 = derInteger(1);

/** Attribute ::= SEQUENCE { attrType OID, attrValues SET OF AttributeValue } with one value. */
export function attributeDer(type: string, valueDer: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, oid(type), tlv(TAG.SET, valueDer));
}

/**
 * An attribute whose value is text as a PrintableString (RFC 8894 §3.2.1: messageType, pkiStatus,
 * failInfo, transactionID): certmonger reads nothing else. The octets are the text's UTF-8 bytes,
 * unchecked: a transactionID is echoed as the client sent it.
 */
export function printableAttribute(type: string, text: string): Uint8Array {
  return attributeDer(type, tlv(TAG.PRINTABLE_STRING, utf8(text)));
}

export function buildSignedData(input: SignedDataInput): Uint8Array {
  const digestAlg = tlv(TAG.SEQUENCE, oid(HASH_TO_DIGEST_OID[input.hash]), DER_NULL);
  const content = input.content;
  const signedAttrs = derSetOf([
    ...input.attributes,
    attributeDer(OID.contentType, oid(OID.data)),
    attributeDer(
      OID.messageDigest,
      tlv(
        TAG.OCTET_STRING,
        new Uint8Array(
          createHash(input.hash)
            .update(content ?? new Uint8Array(0))
            .digest(),
        ),
      ),
    ),
  ]);
  // The signature covers the DER SET OF the signed attributes (RFC 5652 §5.4).
  const signature = signBytes(input.signer.key, input.hash, signedAttrs);
  const signatureAlg =
    input.signer.key.algorithm === "rsa"
      ? tlv(TAG.SEQUENCE, oid(OID.rsaEncryption), DER_NULL) // what scepclient, certmonger and micromdm use
      : tlv(TAG.SEQUENCE, oid(ECDSA_SIGNATURE_OID[input.hash]));
  const { issuerDer, serialTlv } = issuerAndSerial(input.signer.cert);
  const signedAttrsImplicit = signedAttrs.slice();
  signedAttrsImplicit[0] = 0xa0; // [0] IMPLICIT SET OF Attribute
  const signerInfo = tlv(
    TAG.SEQUENCE,
    INTEGER_1,
    tlv(TAG.SEQUENCE, issuerDer, serialTlv),
    digestAlg,
    signedAttrsImplicit,
    signatureAlg,
    tlv(TAG.OCTET_STRING, signature),
  );
  const signedData = tlv(
    TAG.SEQUENCE,
    INTEGER_1,
    tlv(TAG.SET, digestAlg),
    encapsulatedData(content),
    ...certificateSet(input.certificates),
    tlv(TAG.SET, signerInfo),
  );
  return tlv(TAG.SEQUENCE, oid(OID.signedData), tlv(0xa0, signedData));
}

/** Degenerate certs-only SignedData (RFC 8894 §3.4): no content, no signers; CRLs for GetCRL. */
export function buildCertsOnly(certDers: Uint8Array[], crlDers: Uint8Array[] = []): Uint8Array {
  const signedData = tlv(
    TAG.SEQUENCE,
    INTEGER_1,
    tlv(TAG.SET),
    encapsulatedData(undefined),
    ...certificateSet(certDers),
    ...(crlDers.length ? [tlv(0xa1, ...crlDers)] : []),
    tlv(TAG.SET),
  );
  return tlv(TAG.SEQUENCE, oid(OID.signedData), tlv(0xa0, signedData));
}

/** EncapsulatedContentInfo of type data; eContent is a primitive OCTET STRING (DER). */
function encapsulatedData(content: Uint8Array | undefined): Uint8Array {
  return content === undefined ? tlv(TAG.SEQUENCE, oid(OID.data)) : tlv(TAG.SEQUENCE, oid(OID.data), tlv(0xa0, tlv(TAG.OCTET_STRING, content)));
}

/**
 * certificates [0] IMPLICIT CertificateSet, in the given order: clients read the issued
 * certificate as the first one (scepclient takes certs[0]), so the order is kept, not sorted.
 */
function certificateSet(certs: CertRef[]): Uint8Array[] {
  if (certs.length === 0) return [];
  return [tlv(0xa0, ...certs.map(certDer))];
}
