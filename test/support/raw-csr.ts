// A deliberately independent PKCS#10 builder for tests (RFC 2986 §4): any subject bytes, any
// extension bytes, duplicate extensions, any challenge encoding, so a test can send exactly the
// request an attacker or an odd client would. Signed with the key it names (proof of possession).
import { createPublicKey } from "node:crypto";
import type { PrivateKeyHandle } from "../../src/crypto/keys";
import { signBytes } from "../../src/crypto/signature";
import { concatBytes } from "../../src/util/bytes";
import { oid } from "../../src/asn1/oid";
import { tlv } from "../../src/asn1/der";

const OID = {
  challengePassword: "1.2.840.113549.1.9.7",
  extensionRequest: "1.2.840.113549.1.9.14",
  subjectAltName: "2.5.29.17",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
};

export interface RawExtension {
  oid: string;
  critical?: boolean;
  /** extnValue contents (e.g. GeneralNames DER). */
  value: Uint8Array;
}

export interface RawCsrInput {
  key: PrivateKeyHandle;
  subjectDer: Uint8Array;
  /** PrintableString unless `challengeTag` says otherwise. */
  challenge?: string;
  challengeTag?: number;
  extensions?: RawExtension[];
}

export function rawCsr(o: RawCsrInput): Uint8Array {
  const spki = new Uint8Array(createPublicKey(o.key.key).export({ type: "spki", format: "der" }));
  const attributes: Uint8Array[] = [];
  if (o.challenge !== undefined) {
    attributes.push(tlv(0x30, oid(OID.challengePassword), tlv(0x31, tlv(o.challengeTag ?? 0x13, new TextEncoder().encode(o.challenge)))));
  }
  if (o.extensions?.length) {
    const exts = o.extensions.map((e) => tlv(0x30, oid(e.oid), ...(e.critical ? [new Uint8Array([0x01, 0x01, 0xff])] : []), tlv(0x04, e.value)));
    attributes.push(tlv(0x30, oid(OID.extensionRequest), tlv(0x31, tlv(0x30, ...exts))));
  }
  const cri = tlv(0x30, new Uint8Array([0x02, 0x01, 0x00]), o.subjectDer, spki, tlv(0xa0, ...(attributes.length ? attributes : [new Uint8Array(0)])));
  const alg = o.key.algorithm === "rsa" ? tlv(0x30, oid(OID.sha256WithRSA), new Uint8Array([0x05, 0x00])) : tlv(0x30, oid(OID.ecdsaWithSHA256));
  const signature = signBytes(o.key, "sha256", cri);
  return tlv(0x30, cri, alg, tlv(0x03, concatBytes(new Uint8Array([0]), signature)));
}

export function sanExtension(generalNamesDer: Uint8Array, critical = false): RawExtension {
  return { oid: OID.subjectAltName, critical, value: generalNamesDer };
}
