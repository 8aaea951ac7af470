// A read-only view of a DER X.509 certificate as raw slices (RFC 5280 §4.1). The SCEP path needs
// only a few fields of each certificate it sees (signer, recipients), and slicing them is far
// cheaper than building pkijs objects; the slices are byte-exact for echoing and comparing.
import type { KeyObject } from "node:crypto";
import { children, content, DerError, readTlv, slice, stripLeadingZeros, TAG, type Tlv } from "../asn1/der";
import { readOidTlv } from "../asn1/oid";
import { OID } from "../asn1/oids";
import { publicKeyFromSpki } from "../crypto/keys";
import { parseTime } from "./time";

export interface CertView {
  der: Uint8Array;
  /** TBSCertificate, what the issuer signed. */
  tbs: Uint8Array;
  /** The serialNumber INTEGER TLV, and its value without leading zero bytes. */
  serialTlv: Uint8Array;
  serial: Uint8Array;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  signatureAlgorithmOid: string;
  signature: Uint8Array;
  /** subjectKeyIdentifier extension value, when present. */
  subjectKeyId?: Uint8Array;
  publicKey(): KeyObject;
}

/**
 * Slices a DER certificate. Anything that is not the RFC 5280 §4.1 shape throws DerError (never a
 * TypeError): certificates arrive inside client requests, and design rule 2 allows no 500 for them.
 */
export function parseCertView(der: Uint8Array): CertView {
  const cert = readTlv(der, 0);
  if (cert.tag !== TAG.SEQUENCE || cert.end !== der.length) throw new DerError("not a certificate");
  const top = children(der, cert);
  if (top.length !== 3) throw new DerError("certificate: expected tbsCertificate, signatureAlgorithm, signatureValue");
  const [tbsTlv, sigAlg, sigValue] = top as [Tlv, Tlv, Tlv];
  if (tbsTlv.tag !== TAG.SEQUENCE) throw new DerError("certificate: malformed TBSCertificate");
  const signatureAlgorithmOid = algorithmOid(der, sigAlg, "signatureAlgorithm");
  const fields = children(der, tbsTlv);
  let i = 0;
  if (fields[0]?.tag === 0xa0) i++; // [0] EXPLICIT version
  const [serialTlv, tbsSigAlg, issuer, validity, subject, spki] = fields.slice(i, i + 6);
  if (!serialTlv || !tbsSigAlg || !issuer || !validity || !subject || !spki) throw new DerError("certificate: malformed TBSCertificate");
  if (serialTlv.tag !== TAG.INTEGER || serialTlv.end === serialTlv.contentStart) throw new DerError("certificate: malformed serialNumber");
  algorithmOid(der, tbsSigAlg, "signature");
  if (issuer.tag !== TAG.SEQUENCE || subject.tag !== TAG.SEQUENCE) throw new DerError("certificate: malformed Name");
  checkSpki(der, spki);
  const times = validity.tag === TAG.SEQUENCE ? children(der, validity) : [];
  if (times.length !== 2) throw new DerError("certificate: malformed validity");
  const extensions = optionalTail(fields.slice(i + 6));
  const sigBits = bitStringBytes(der, sigValue, "signatureValue");
  let key: KeyObject | undefined;
  const spkiDer = slice(der, spki);
  return {
    der,
    tbs: slice(der, tbsTlv),
    serialTlv: slice(der, serialTlv),
    serial: stripLeadingZeros(content(der, serialTlv)),
    issuerDer: slice(der, issuer),
    subjectDer: slice(der, subject),
    spkiDer,
    notBefore: parseTime(der, times[0]!, "certificate"),
    notAfter: parseTime(der, times[1]!, "certificate"),
    signatureAlgorithmOid,
    signature: sigBits,
    subjectKeyId: extensions ? subjectKeyIdOf(der, extensions) : undefined,
    publicKey: () => (key ??= publicKeyFromSpki(spkiDer)),
  };
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } (RFC 5280 §4.1.1.2). */
export function algorithmOid(der: Uint8Array, alg: Tlv, what: string): string {
  const parts = alg.tag === TAG.SEQUENCE ? children(der, alg) : [];
  if (parts.length < 1 || parts.length > 2) throw new DerError(`${what}: malformed AlgorithmIdentifier`);
  return readOidTlv(der, parts[0], what);
}

/** The bits of a BIT STRING with no unused bits (signatures and keys are whole octets, RFC 5280 §4.1.1.3). */
function bitStringBytes(der: Uint8Array, tlv: Tlv, what: string): Uint8Array {
  const body = content(der, tlv);
  if (tlv.tag !== TAG.BIT_STRING || body.length === 0 || body[0] !== 0) throw new DerError(`${what}: malformed BIT STRING`);
  return body.subarray(1);
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }. */
function checkSpki(der: Uint8Array, spki: Tlv): void {
  const parts = spki.tag === TAG.SEQUENCE ? children(der, spki) : [];
  if (parts.length !== 2) throw new DerError("certificate: malformed subjectPublicKeyInfo");
  algorithmOid(der, parts[0]!, "subjectPublicKeyInfo");
  bitStringBytes(der, parts[1]!, "subjectPublicKey");
}

/** issuerUniqueID [1], subjectUniqueID [2], extensions [3], in that order, each optional (RFC 5280 §4.1). */
function optionalTail(tail: Tlv[]): Tlv | undefined {
  let last = 0;
  for (const f of tail) {
    const n = f.tag & 0x1f;
    if ((f.tag & 0xc0) !== 0x80 || n <= last || n > 3) throw new DerError("certificate: unexpected field after subjectPublicKeyInfo");
    last = n;
  }
  return tail.find((f) => f.tag === 0xa3);
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension; returns the subjectKeyIdentifier (§4.2.1.2). */
function subjectKeyIdOf(der: Uint8Array, extensionsWrapper: Tlv): Uint8Array | undefined {
  const [list, extra] = children(der, extensionsWrapper);
  if (!list || extra || list.tag !== TAG.SEQUENCE) throw new DerError("certificate: malformed extensions");
  let keyId: Uint8Array | undefined;
  for (const ext of children(der, list)) {
    // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const parts = ext.tag === TAG.SEQUENCE ? children(der, ext) : [];
    const value = parts[parts.length - 1];
    const criticalOk = parts.length === 2 || parts[1]?.tag === TAG.BOOLEAN;
    if (parts.length < 2 || parts.length > 3 || !criticalOk || value?.tag !== TAG.OCTET_STRING) {
      throw new DerError("certificate: malformed extension");
    }
    if (readOidTlv(der, parts[0], "extnID") !== OID.subjectKeyIdentifier) continue;
    // KeyIdentifier ::= OCTET STRING, itself inside extnValue's OCTET STRING.
    const inner = content(der, value);
    const id = readTlv(inner, 0);
    if (id.tag !== TAG.OCTET_STRING || id.end !== inner.length) throw new DerError("certificate: malformed subjectKeyIdentifier");
    keyId = content(inner, id);
  }
  return keyId;
}
