// Shared enrollment helpers for scripts/scep-client.ts, scripts/bench.ts and the interop tests:
// CA discovery (GetCACaps + GetCACert, picking the RA/CA recipient), CSR, self-signed signer and
// pkiMessage building on top of the SCEP layer in src/ (request-builder, envelope, client), and
// reading replies. Names, CSRs and signer certificates are built here with asn1js/pkijs rather
// than with src/ca/* so that this client stays independent of the server's issuance code.
// No vitest imports.
import { createHash, randomBytes } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { generateKeyPairSync } from "node:crypto";
import { getCaCaps, getCaCert, readCertRep, type CertRepResult, type ClientOptions } from "../../src/client/scep-client";
import { importPrivateKeyPem, publicKeyFromSpki, spkiOfPrivateKey, type PrivateKeyHandle } from "../../src/crypto/keys";
import { signatureAlgorithmFor, signBytes } from "../../src/crypto/signature";
import { certificateDer, encodeDer, octetStringBytes, parseCertificate, serialBytes } from "../../src/scep/asn1";
import { parseCertsOnly } from "../../src/scep/certs-only";
import type { ContentCipherName } from "../../src/scep/content-cipher";
import { decryptEnvelope, recipientKeyFor } from "../../src/scep/envelope";
import { MessageType, OID, PkiStatus, type HashName } from "../../src/scep/oids";
import { buildPkiRequest } from "../../src/scep/request-builder";
import { bytesToHex, toArrayBuffer, toBytes } from "../../src/util/bytes";
import { parsePem, toPem } from "../../src/util/pem";

export { MessageType, PkiStatus };
export type { CertRepResult, ContentCipherName, HashName, PrivateKeyHandle };

export interface SimpleName {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
}

export const rb = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

export const CIPHERS: ContentCipherName[] = ["aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "des-ede3-cbc", "des-cbc"];
export const HASHES: HashName[] = ["sha1", "sha256", "sha384", "sha512"];

export const FAIL_INFO_NAMES: Record<number, string> = { 0: "badAlg", 1: "badMessageCheck", 2: "badRequest", 3: "badTime", 4: "badCertId" };

export function sha256Hex(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// keys

export interface ClientKey {
  handle: PrivateKeyHandle;
  pem: string;
}

/** A fresh RSA key (PKCS#8 PEM). RSA-2048 takes ~50-300 ms. */
export function newRsaKey(bits = 2048): ClientKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 0x10001 });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { handle: importPrivateKeyPem(keyPem), pem: keyPem };
}

export function keyFromPem(pem: string): ClientKey {
  return { handle: importPrivateKeyPem(pem), pem };
}

// ---------------------------------------------------------------------------------------------
// CA discovery

export interface CaCertInfo {
  der: Uint8Array;
  cert: pkijs.Certificate;
  sha256: string;
  subject: string;
  isCa: boolean;
}

export interface CaDiscovery {
  contentType: string;
  certs: CaCertInfo[];
  /** The issuing CA (the CA certificate among GetCACert's, or the only certificate). */
  ca: CaCertInfo;
  /** The RA, when GetCACert returned a non-CA certificate. */
  ra?: CaCertInfo;
  /** Who the request envelope is encrypted to: the RA if there is one, else the CA. */
  recipients: pkijs.Certificate[];
}

export function describeCaCerts(contentType: string, ders: Uint8Array[]): CaDiscovery {
  if (ders.length === 0) throw new Error("GetCACert returned no certificate");
  const certs = ders.map((der) => {
    const cert = parseCertificate(der);
    return { der, cert, sha256: sha256Hex(der), subject: nameText(cert.subject), isCa: isCaCert(cert) };
  });
  // RFC 8894 §4.2.1.2: with x-x509-ca-ra-cert the RA comes first and is not a CA.
  const ra = certs.length > 1 ? certs.find((c) => !c.isCa) : undefined;
  let ca = certs[0]!;
  if (ra) {
    const raIssuer = encodeDer(ra.cert.issuer.toSchema());
    ca = certs.find((c) => c.isCa && bytesEq(encodeDer(c.cert.subject.toSchema()), raIssuer)) ?? certs.find((c) => c.isCa) ?? ca;
  }
  return { contentType, certs, ca, ra, recipients: [(ra ?? ca).cert] };
}

export async function discoverCa(opts: ClientOptions): Promise<CaDiscovery & { caps: string[] }> {
  const caps = await getCaCaps(opts);
  const { contentType, certificates } = await getCaCert(opts);
  return { caps, ...describeCaCerts(contentType, certificates) };
}

function isCaCert(cert: pkijs.Certificate): boolean {
  const ext = cert.extensions?.find((e) => e.extnID === OID.basicConstraints);
  if (!ext) return false;
  const bc = new pkijs.BasicConstraints({ schema: asn1js.fromBER(ext.extnValue.getValue()).result });
  return bc.cA === true;
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Default cipher and digest from GetCACaps, the way a modern client chooses. */
export function chooseAlgorithms(caps: string[]): { cipher: ContentCipherName; hash: HashName; transport: "POST" | "GET" } {
  const has = (c: string) => caps.some((x) => x.toLowerCase() === c.toLowerCase());
  const cipher: ContentCipherName = has("AES") || has("SCEPStandard") ? "aes-128-cbc" : has("DES3") ? "des-ede3-cbc" : "des-cbc";
  const hash: HashName = has("SHA-256") || has("SCEPStandard") ? "sha256" : has("SHA-512") ? "sha512" : "sha1";
  const transport = has("POSTPKIOperation") || has("SCEPStandard") ? "POST" : "GET";
  return { cipher, hash, transport };
}

// ---------------------------------------------------------------------------------------------
// requests

const NAME_OIDS: Record<string, string> = {
  "2.5.4.3": "CN", "2.5.4.5": "serialNumber", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST",
  "2.5.4.10": "O", "2.5.4.11": "OU", "0.9.2342.19200300.100.1.25": "DC", "1.2.840.113549.1.9.1": "emailAddress",
};

/** DER Name, one attribute per RDN, O, OU, CN order, UTF8String values. */
export function nameDer(name: SimpleName): Uint8Array {
  const rdn = (type: string, value: string) =>
    new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: type }), new asn1js.Utf8String({ value })] })] });
  const rdns: asn1js.Set[] = [];
  if (name.organization) rdns.push(rdn("2.5.4.10", name.organization));
  if (name.organizationalUnit) rdns.push(rdn("2.5.4.11", name.organizationalUnit));
  rdns.push(rdn("2.5.4.3", name.commonName));
  return new Uint8Array(new asn1js.Sequence({ value: rdns }).toBER());
}

/** pkijs keeps valueBeforeDecode, so a Name parsed from DER re-encodes byte for byte. */
function pkijsName(der: Uint8Array): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(toArrayBuffer(der)).result });
}

/** "CN=x,O=y" (RFC 4514 order: last RDN first), for display. */
export function nameText(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => `${NAME_OIDS[tv.type] ?? tv.type}=${(tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value ?? "?"}`)
    .reverse()
    .join(",");
}

function sigAlgorithm(key: PrivateKeyHandle, hash: HashName): pkijs.AlgorithmIdentifier {
  const alg = signatureAlgorithmFor(key, hash);
  return alg.nullParams
    ? new pkijs.AlgorithmIdentifier({ algorithmId: alg.oid, algorithmParams: new asn1js.Null() })
    : new pkijs.AlgorithmIdentifier({ algorithmId: alg.oid });
}

function extension(extnID: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

function keyUsageDigitalSignatureKeyEncipherment(): asn1js.BitString {
  // digitalSignature (bit 0) + keyEncipherment (bit 2): 0b1010_0000, 5 unused bits.
  return new asn1js.BitString({ valueHex: new Uint8Array([0xa0]).buffer, unusedBits: 5 });
}

export interface CsrOptions {
  key: PrivateKeyHandle;
  /** A simple subject, or exact DER (renewal: the old certificate's subject, byte for byte). */
  subject: SimpleName | Uint8Array;
  challenge?: string;
  dnsNames?: string[];
  hash?: HashName;
}

/** PKCS#10 with challengePassword (PrintableString, else UTF8String) and a SAN extensionRequest. */
export function buildCsrDer(o: CsrOptions): Uint8Array {
  const hash = o.hash ?? "sha256";
  const csr = new pkijs.CertificationRequest();
  csr.subject = pkijsName(o.subject instanceof Uint8Array ? o.subject : nameDer(o.subject));
  csr.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spkiOfPrivateKey(o.key));
  const attributes: pkijs.Attribute[] = [];
  if (o.challenge !== undefined) {
    const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(o.challenge);
    const value = printable ? new asn1js.PrintableString({ value: o.challenge }) : new asn1js.Utf8String({ value: o.challenge });
    attributes.push(new pkijs.Attribute({ type: OID.challengePassword, values: [value] }));
  }
  if (o.dnsNames?.length) {
    const names = new pkijs.GeneralNames({ names: o.dnsNames.map((dns) => new pkijs.GeneralName({ type: 2, value: dns })) });
    const extensions = new pkijs.Extensions({ extensions: [extension(OID.subjectAltName, false, names.toSchema())] });
    attributes.push(new pkijs.Attribute({ type: OID.extensionRequest, values: [extensions.toSchema()] }));
  }
  csr.attributes = attributes;
  csr.tbsView = new Uint8Array((csr as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  csr.signatureAlgorithm = sigAlgorithm(o.key, hash);
  csr.signatureValue = new asn1js.BitString({ valueHex: toArrayBuffer(signBytes(o.key, hash, csr.tbsView)) });
  return toBytes(csr.toSchema().toBER());
}

export interface Signer {
  cert: pkijs.Certificate;
  key: PrivateKeyHandle;
}

/** A self-signed signer certificate for the request key (RFC 8894 §2.3), valid from now-1h for 7 days. */
export function selfSigned(key: PrivateKeyHandle, subject: SimpleName | Uint8Array, now = new Date()): Signer {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = rb(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = new asn1js.Integer({ valueHex: toArrayBuffer(serial) });
  const name = subject instanceof Uint8Array ? subject : nameDer(subject);
  cert.subject = pkijsName(name);
  cert.issuer = pkijsName(name);
  cert.notBefore.value = new Date(Math.floor(now.getTime() / 1000) * 1000 - 3600_000);
  cert.notAfter.value = new Date(Math.floor(now.getTime() / 1000) * 1000 + 7 * 86400_000);
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spkiOfPrivateKey(key));
  cert.extensions = [
    extension(OID.keyUsage, true, keyUsageDigitalSignatureKeyEncipherment()),
    extension(OID.basicConstraints, true, new asn1js.Sequence({ value: [] })),
  ];
  cert.signature = sigAlgorithm(key, "sha256");
  cert.signatureAlgorithm = sigAlgorithm(key, "sha256");
  const tbs = new Uint8Array(cert.encodeTBS().toBER());
  cert.tbsView = tbs;
  cert.signatureValue = new asn1js.BitString({ valueHex: toArrayBuffer(signBytes(key, "sha256", tbs)) });
  // Re-parse so every field (and valueBeforeDecode) is consistent with the signed bytes.
  return { cert: parseCertificate(toBytes(cert.toSchema().toBER())), key };
}

export interface RequestInput {
  messageType?: MessageType;
  /** PKCS#10 DER. */
  csrDer: Uint8Array;
  signer: Signer;
  recipients: pkijs.Certificate[];
  cipher: ContentCipherName;
  hash: HashName;
  /** Default: hex SHA-1 of the CSR's public key (stable per key, RFC 8894 §3.2.1.1). */
  transactionId?: string;
  /** Default: 16 random bytes. Fixed for certmonger's rekey pair. */
  senderNonce?: Uint8Array;
}

export interface BuiltRequest {
  der: Uint8Array;
  transactionId: string;
  senderNonce: Uint8Array;
  signer: Signer;
}

/** A PKCSReq/RenewalReq pkiMessage (DER), built with src/scep/request-builder. */
export function buildRequest(i: RequestInput): BuiltRequest {
  const senderNonce = i.senderNonce ?? rb(16);
  const transactionId = i.transactionId ?? transactionIdOfCsr(i.csrDer);
  const der = buildPkiRequest({
    messageType: i.messageType ?? MessageType.PKCSReq,
    transactionId,
    senderNonce,
    messageData: i.csrDer,
    recipients: i.recipients.map((cert) => ({ cert, publicKey: publicKeyFromSpki(encodeDer(cert.subjectPublicKeyInfo.toSchema())) })),
    cipher: i.cipher,
    hash: i.hash,
    signer: i.signer,
    randomBytes: rb,
  });
  return { der, transactionId, senderNonce, signer: i.signer };
}

export function transactionIdOfCsr(csrDer: Uint8Array): string {
  const csr = new pkijs.CertificationRequest({ schema: asn1js.fromBER(toArrayBuffer(csrDer)).result });
  return createHash("sha1").update(encodeDer(csr.subjectPublicKeyInfo.toSchema())).digest("hex");
}

/** Verify and open a CertRep (signature by a GetCACert certificate, transactionID, recipientNonce). */
export function openCertRep(der: Uint8Array, req: BuiltRequest, caCertDers: Uint8Array[]): CertRepResult {
  return readCertRep(der, { transactionId: req.transactionId, senderNonce: req.senderNonce, signer: req.signer }, caCertDers);
}

/** certmonger scep-submit prints the still-encrypted pkcsPKIEnvelope: decrypt it with the request
 *  signer's certificate and key and return the certificates of the degenerate PKCS#7 inside. */
export function decryptEnvelopePem(envelopePem: string, signer: Signer): { certificates: Uint8Array[]; cipher: ContentCipherName } {
  const block = parsePem(envelopePem)[0];
  if (!block) throw new Error("no PEM block in scep-submit output");
  const opened = decryptEnvelope(block.der, [recipientKeyFor(signer.cert, signer.key)], { allowLegacyDes: true, randomBytes: rb });
  return { certificates: parseCertsOnly(opened.content).certificates, cipher: opened.cipher };
}

// ---------------------------------------------------------------------------------------------
// certificates

export interface CertSummary {
  serialHex: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  sha256: string;
  dnsNames: string[];
  spkiSha256: string;
}

export function summarizeCert(der: Uint8Array): CertSummary {
  const cert = parseCertificate(der);
  const san = cert.extensions?.find((e) => e.extnID === OID.subjectAltName);
  const dnsNames: string[] = [];
  if (san) {
    const names = new pkijs.GeneralNames({ schema: asn1js.fromBER(san.extnValue.getValue()).result });
    for (const n of names.names) if (n.type === 2) dnsNames.push(String(n.value));
  }
  return {
    serialHex: bytesToHex(serialBytes(cert.serialNumber), true),
    subject: nameText(cert.subject),
    issuer: nameText(cert.issuer),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    sha256: sha256Hex(der),
    dnsNames,
    spkiSha256: sha256Hex(encodeDer(cert.subjectPublicKeyInfo.toSchema())),
  };
}

export function spkiSha256OfKey(key: PrivateKeyHandle): string {
  return sha256Hex(spkiOfPrivateKey(key));
}

export function certFromPem(pem: string): pkijs.Certificate {
  const block = parsePem(pem).find((b) => b.label === "CERTIFICATE");
  if (!block) throw new Error("no CERTIFICATE PEM block");
  return parseCertificate(block.der);
}

export function certPem(der: Uint8Array): string {
  return toPem("CERTIFICATE", der);
}

export { certificateDer, octetStringBytes };
