// Malformed and hostile OCSP requests for the benchmark: each should cost no more than a normal
// query (no signature, no ledger read) and be answered malformedRequest/unauthorized or a 4xx.
import { generateKeyPairSync } from "node:crypto";
import { TAG, tlv } from "../../src/asn1/der";
import { oid } from "../../src/asn1/oid";
import { certIdDer, ocspRequestDer, type OcspIssuerInput } from "./ocsp-request";

export interface HostileRequest {
  name: string;
  body: Uint8Array;
  expectStatus: number;
  /** OCSPResponseStatus expected in a 200 (1 malformedRequest, 6 unauthorized, 0 successful). */
  expectOcsp?: number;
}

function deep(limit: number): Uint8Array {
  let d: Uint8Array = new Uint8Array(0);
  while (d.length + 4 < limit) d = tlv(TAG.SEQUENCE, d);
  return d;
}

export function hostileRequests(issuer: OcspIssuerInput): HostileRequest[] {
  const id = certIdDer(issuer, "01");
  const md5 = tlv(
    TAG.SEQUENCE,
    tlv(TAG.SEQUENCE, oid("1.2.840.113549.2.5"), new Uint8Array([5, 0])),
    tlv(TAG.OCTET_STRING, new Uint8Array(16)),
    tlv(TAG.OCTET_STRING, new Uint8Array(16)),
    tlv(TAG.INTEGER, new Uint8Array([1])),
  );
  const stranger = new Uint8Array(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "der" }));
  return [
    { name: "6 bytes of garbage", body: new Uint8Array([0x30, 0x82, 0xff, 0xff, 1, 2]), expectStatus: 200, expectOcsp: 1 },
    { name: "8 KiB of nested SEQUENCEs", body: deep(8000), expectStatus: 200, expectOcsp: 1 },
    { name: "17 CertIDs", body: ocspRequestDer(Array.from({ length: 17 }, () => id)), expectStatus: 200, expectOcsp: 1 },
    { name: "MD5 CertID", body: ocspRequestDer([md5]), expectStatus: 200, expectOcsp: 1 },
    { name: "33-octet nonce", body: ocspRequestDer([id], new Uint8Array(33)), expectStatus: 200, expectOcsp: 1 },
    {
      name: "another CA's CertID",
      body: ocspRequestDer([certIdDer({ subjectDer: issuer.subjectDer, spkiDer: stranger }, "01")]),
      expectStatus: 200,
      expectOcsp: 6,
    },
    { name: "64 KiB body", body: new Uint8Array(64 * 1024), expectStatus: 413 },
  ];
}
