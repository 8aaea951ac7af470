// OCSPRequest DER built by hand for tests and the benchmark (RFC 6960 §4.1.1), from a CA's
// subject and SubjectPublicKeyInfo: CertIDs, an optional nonce, and the RFC 5019 GET path.
import { createHash } from "node:crypto";
import { hexToBytes } from "../../src/util/bytes";
import { TAG, tlv } from "../../src/asn1/der";
import { oid } from "../../src/asn1/oid";
import { subjectPublicKeyBits } from "../../src/ocsp/cert-id";

const HASH_OID = { sha1: "1.3.14.3.2.26", sha256: "2.16.840.1.101.3.4.2.1" } as const;

export interface OcspIssuerInput {
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
}

export function certIdDer(issuer: OcspIssuerInput, serialHex: string, hash: "sha1" | "sha256" = "sha1"): Uint8Array {
  const h = (data: Uint8Array) => new Uint8Array(createHash(hash).update(data).digest());
  return tlv(
    TAG.SEQUENCE,
    tlv(TAG.SEQUENCE, oid(HASH_OID[hash]), new Uint8Array([TAG.NULL, 0])),
    tlv(TAG.OCTET_STRING, h(issuer.subjectDer)),
    tlv(TAG.OCTET_STRING, h(subjectPublicKeyBits(issuer.spkiDer))),
    tlv(TAG.INTEGER, hexToBytes(serialHex.length % 2 ? `0${serialHex}` : serialHex)),
  );
}

/** OCSPRequest { tbsRequest { requestList, requestExtensions [2] { nonce }? } } */
export function ocspRequestDer(certIds: Uint8Array[], nonce?: Uint8Array): Uint8Array {
  const parts = [tlv(TAG.SEQUENCE, ...certIds.map((id) => tlv(TAG.SEQUENCE, id)))];
  if (nonce) {
    const ext = tlv(TAG.SEQUENCE, oid("1.3.6.1.5.5.7.48.1.2"), tlv(TAG.OCTET_STRING, tlv(TAG.OCTET_STRING, nonce)));
    parts.push(tlv(0xa2, tlv(TAG.SEQUENCE, ext)));
  }
  return tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, ...parts));
}

/** RFC 5019 §5: /ocsp/ + the URL-escaped base64 of the DER request. */
export function ocspGetPath(der: Uint8Array): string {
  return `/ocsp/${encodeURIComponent(Buffer.from(der).toString("base64"))}`;
}
