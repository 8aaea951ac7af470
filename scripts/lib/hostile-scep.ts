// Unauthenticated PKIOperation requests crafted the way an attacker would, for `npm run
// bench:hostile` and test/worker/hostile-inputs: each one is signed and encrypted so that it gets
// as far into the pipeline as the server lets it, and each carries one oversized or over-deep
// part. Built on the client library's pieces (src/client, src/scep), never on the server's.
import { createHash, randomBytes } from "node:crypto";
import { children, DER_NULL, derBitString, derInteger, derSetOf, readTlv, slice, TAG, tlv } from "../../src/asn1/der";
import { oid } from "../../src/asn1/oid";
import { OID } from "../../src/asn1/oids";
import { buildCsr as buildPkcs10 } from "../../src/x509/csr-builder";
import { spkiOfPrivateKey, type PrivateKeyHandle } from "../../src/crypto/keys";
import { signBytes } from "../../src/crypto/signature";
import { encryptEnvelope } from "../../src/scep/envelope";
import { MessageType, SCEP_OID } from "../../src/scep/oids";
import { attributeDer, printableAttribute } from "../../src/scep/signed-data";
import { bytesToHex, compareBytes, concatBytes, utf8 } from "../../src/util/bytes";
import { signCertificate } from "../../src/x509/cert-builder";
import { parseCertView, type CertView } from "../../src/x509/cert-view";
import { encodeName, simpleName } from "../../src/x509/name";

const rb = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

export interface HostileTarget {
  /** The certificate requests are encrypted to (GetCACert's RA, else the CA). */
  recipient: CertView;
  /** The CA's subject (GetCert/GetCRL name it as the issuer). */
  caSubjectDer: Uint8Array;
  /** An RSA-2048 key the requests are signed with (any key: the signer is self-signed). */
  key: PrivateKeyHandle;
  /** A larger key (RSA-8192): signer and CSR keys up to the key policy's maximum. */
  bigKey?: PrivateKeyHandle;
}

export interface MessageParts {
  messageType?: number;
  transactionId?: string;
  /** messageData, encrypted into the envelope. */
  data: Uint8Array;
  /** Extra signed attributes (DER Attribute SEQUENCEs). */
  attributes?: Uint8Array[];
  /** Send the signed attributes in this order, not DER's (the signature covers the DER order). */
  attributeOrder?: "der" | "reversed";
  /** Sign with this key and carry this certificate; default: the target key, self-signed. */
  signer?: { certDer: Uint8Array; key?: PrivateKeyHandle };
  /** Certificates carried after the signer's. */
  extraCertificates?: Uint8Array[];
  /** Foreign recipientInfos placed before ours. */
  extraRecipients?: number;
  /** eContent as a constructed BER OCTET STRING led by this many empty segments (X.690 §8.7.3). */
  emptySegments?: number;
}

const nameOf = (cn: string) => encodeName(simpleName({ commonName: cn }));

/** A self-signed certificate over any SubjectPublicKeyInfo (the server never checks a signer's own signature). */
export function signerCertificate(signWith: PrivateKeyHandle, spkiDer: Uint8Array, cn = "SCEP SIGNER"): Uint8Array {
  const now = Date.now();
  return signCertificate({
    serial: Uint8Array.of(0x01, ...rb(15)),
    issuerDer: nameOf(cn),
    subjectDer: nameOf(cn),
    spkiDer,
    notBefore: new Date(Math.floor(now / 1000) * 1000 - 3600_000),
    notAfter: new Date(Math.floor(now / 1000) * 1000 + 7 * 86400_000),
    extensions: [],
    signer: signWith,
    hash: "sha256",
  });
}

/** RSA SubjectPublicKeyInfo of any modulus and exponent (no private key exists for it). */
export function rsaSpki(modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  const int = (v: Uint8Array) => tlv(TAG.INTEGER, v[0]! & 0x80 ? Uint8Array.of(0, ...v) : v);
  return tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, oid(OID.rsaEncryption), DER_NULL), derBitString(tlv(TAG.SEQUENCE, int(modulus), int(exponent))));
}

/** Random odd bytes with the top bit set: a modulus or exponent of exactly `bits` bits. */
export function oddOfBits(bits: number): Uint8Array {
  const b = rb(Math.ceil(bits / 8));
  b[0] = b[0]! | 0x80;
  b[b.length - 1] = b[b.length - 1]! | 1;
  return b;
}

export interface CsrParts {
  key: PrivateKeyHandle;
  /** DER Name; default CN=hostile-<random>. */
  subjectDer?: Uint8Array;
  challenge?: string;
  extensions?: Uint8Array[];
  /** Replace the SubjectPublicKeyInfo after signing (the CSR's proof of possession then fails). */
  spkiDer?: Uint8Array;
}

export function hostileCsr(p: CsrParts): Uint8Array {
  const csr = buildPkcs10({
    key: p.key,
    subjectDer: p.subjectDer ?? nameOf(`hostile-${bytesToHex(rb(6))}`),
    challengeDer: p.challenge === undefined ? undefined : tlv(TAG.PRINTABLE_STRING, utf8(p.challenge)),
    extensions: p.extensions,
    hash: "sha256",
  });
  if (!p.spkiDer) return csr;
  // Same CSR with another key in place of the signed one: the server reads and checks it as sent.
  const ours = spkiOfPrivateKey(p.key);
  const at = indexOf(csr, ours);
  return reframe(csr, at, ours.length, p.spkiDer);
}

/** A pkiMessage: SignedData (RFC 5652 §5) over an EnvelopedData of `data`, with the parts asked for. */
export function hostileMessage(t: HostileTarget, m: MessageParts): Uint8Array {
  const hash = "sha256";
  const signerKey = m.signer ? m.signer.key : t.key;
  const signerDer = m.signer?.certDer ?? signerCertificate(t.key, spkiOfPrivateKey(t.key));
  const signer = parseCertView(signerDer);
  const foreign = m.extraRecipients ? parseCertView(signerCertificate(t.key, spkiOfPrivateKey(t.key), "someone else")) : undefined;
  const recipients = [
    ...Array.from({ length: m.extraRecipients ?? 0 }, () => ({ cert: foreign!, publicKey: foreign!.publicKey() })),
    { cert: t.recipient, publicKey: t.recipient.publicKey() },
  ];
  const envelope = encryptEnvelope(m.data, recipients, { cipher: "aes-128-cbc", randomBytes: rb });
  const digest = new Uint8Array(createHash(hash).update(envelope).digest());
  const attrs = [
    printableAttribute(SCEP_OID.transactionID, m.transactionId ?? `hostile-${bytesToHex(rb(16))}`),
    printableAttribute(SCEP_OID.messageType, String(m.messageType ?? MessageType.PKCSReq)),
    attributeDer(SCEP_OID.senderNonce, tlv(TAG.OCTET_STRING, rb(16))),
    attributeDer(OID.contentType, oid(OID.data)),
    attributeDer(OID.messageDigest, tlv(TAG.OCTET_STRING, digest)),
    ...(m.attributes ?? []),
  ];
  const sorted = [...attrs].sort(compareBytes);
  const signedSet = derSetOf(attrs);
  const signature = signerKey ? signBytes(signerKey, hash, signedSet) : rb(Math.ceil(keyBits(signer) / 8));
  const sent = m.attributeOrder === "reversed" ? sorted.reverse() : sorted;
  const digestAlg = tlv(TAG.SEQUENCE, oid(OID.sha256), DER_NULL);
  const signerInfo = tlv(
    TAG.SEQUENCE,
    derInteger(1),
    tlv(TAG.SEQUENCE, signer.issuerDer, signer.serialTlv),
    digestAlg,
    tlv(0xa0, ...sent),
    tlv(TAG.SEQUENCE, oid(OID.rsaEncryption), DER_NULL),
    tlv(TAG.OCTET_STRING, signature),
  );
  const certificates = tlv(0xa0, signerDer, ...(m.extraCertificates ?? []));
  const signedData = tlv(
    TAG.SEQUENCE,
    derInteger(1),
    tlv(TAG.SET, digestAlg),
    tlv(TAG.SEQUENCE, oid(OID.data), tlv(0xa0, eContent(envelope, m.emptySegments ?? 0))),
    certificates,
    tlv(TAG.SET, signerInfo),
  );
  return tlv(TAG.SEQUENCE, oid(OID.signedData), tlv(0xa0, signedData));
}

function eContent(envelope: Uint8Array, emptySegments: number): Uint8Array {
  if (emptySegments === 0) return tlv(TAG.OCTET_STRING, envelope);
  const empties = new Uint8Array(emptySegments * 2).fill(0).map((_, i) => (i % 2 === 0 ? TAG.OCTET_STRING : 0));
  return concatBytes(Uint8Array.of(0x24, 0x80), empties, tlv(TAG.OCTET_STRING, envelope), Uint8Array.of(0, 0));
}

function keyBits(cert: CertView): number {
  try {
    return cert.publicKey().asymmetricKeyDetails?.modulusLength ?? 2048;
  } catch {
    return 2048;
  }
}

/** Attribute SEQUENCEs of distinct private OIDs (1.3.9999.<i>) with a short OCTET STRING. */
export function junkAttributes(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => attributeDer(`1.3.9999.${i}`, tlv(TAG.OCTET_STRING, Uint8Array.of(i & 0xff))));
}

/** An attribute whose value is `depth` nested SEQUENCEs (DER; indefinite once the message is re-encoded). */
export function nestedAttribute(depth: number): Uint8Array {
  let v: Uint8Array = tlv(TAG.NULL);
  for (let i = 0; i < depth; i++) v = tlv(TAG.SEQUENCE, v);
  return attributeDer("1.3.9999.1", v);
}

/** Extension SEQUENCEs of distinct OIDs with empty values. */
export function junkExtensions(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => tlv(TAG.SEQUENCE, oid(`1.2.${i}`), tlv(TAG.OCTET_STRING)));
}

/** A Name of `n` one-attribute RDNs (CN=xxxx each). */
export function manyRdns(n: number): Uint8Array {
  const rdn = derSetOf([tlv(TAG.SEQUENCE, oid("2.5.4.3"), tlv(TAG.UTF8_STRING, utf8("xxxx")))]);
  return tlv(TAG.SEQUENCE, ...Array.from({ length: n }, () => rdn));
}

/** IssuerAndSerialNumber (GetCert/GetCRL messageData) with an issuer of `elements` empty RDNs. */
export function hugeIssuerAndSerial(elements: number): Uint8Array {
  const issuer = tlv(TAG.SEQUENCE, ...Array.from({ length: elements }, () => Uint8Array.of(0x31, 0x02, 0x30, 0x00)));
  return tlv(TAG.SEQUENCE, issuer, derInteger(1));
}

export function issuerAndSerial(issuerDer: Uint8Array, serial: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, issuerDer, tlv(TAG.INTEGER, serial[0]! & 0x80 ? Uint8Array.of(0, ...serial) : serial));
}

/** IssuerAndSubject (CertPoll messageData, RFC 8894 §3.3.3). */
export function issuerAndSubject(issuerDer: Uint8Array, cn: string): Uint8Array {
  return tlv(TAG.SEQUENCE, issuerDer, nameOf(cn));
}

/** The same DER with every constructed value re-encoded with an indefinite length (X.690 §8.1.3.6), as iOS sends. */
export function toIndefinite(der: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const walk = (at: number, end: number): void => {
    while (at < end) {
      const t = readTlv(der, at, end);
      if (der[at]! & 0x20) {
        parts.push(Uint8Array.of(der[at]!, 0x80));
        walk(t.contentStart, t.end);
        parts.push(Uint8Array.of(0, 0));
      } else parts.push(der.subarray(at, t.end));
      at = t.end;
    }
  };
  walk(0, der.length);
  return concatBytes(...parts);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("not found");
}

/** The CSR with `length` bytes at `at` (inside CertificationRequestInfo) replaced, both lengths rebuilt. */
function reframe(der: Uint8Array, at: number, length: number, replacement: Uint8Array): Uint8Array {
  const [info, ...rest] = children(der, readTlv(der, 0));
  const body = concatBytes(der.subarray(info!.contentStart, at), replacement, der.subarray(at + length, info!.end));
  return tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, body), ...rest.map((t) => slice(der, t)));
}
