// Keys and certificates as a client handles them: a fresh key, a summary of what was issued, PEM
// files, and certmonger's still-encrypted reply.
import { generateKeyPairSync } from "node:crypto";
import { children, content, readTlv } from "../asn1/der";
import { OID } from "../asn1/oids";
import { parsePem, toPem } from "../asn1/pem";
import { digestHex } from "../crypto/digest";
import { importPrivateKeyPem, spkiOfPrivateKey, type PrivateKeyHandle } from "../crypto/keys";
import { parseCertsOnly } from "../scep/certs-only";
import type { ContentCipherName } from "../scep/content-cipher";
import { decryptEnvelope, recipientKeyFor } from "../scep/envelope";
import { bytesToHex } from "../util/bytes";
import { certificateExtension } from "../x509/cert-extensions";
import { parseCertView } from "../x509/cert-view";
import { nameDerToText } from "../x509/name";
import type { RequestSigner } from "./scep-client";

export interface ClientKey {
  handle: PrivateKeyHandle;
  /** PKCS#8 PEM. */
  pem: string;
}

/** A fresh RSA key (e = 65537). RSA-2048 takes ~50-300 ms. */
export function newRsaKey(bits = 2048): ClientKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 0x10001 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { handle: importPrivateKeyPem(pem), pem };
}

export function keyFromPem(pem: string): ClientKey {
  return { handle: importPrivateKeyPem(pem), pem };
}

export interface CertSummary {
  serialHex: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** Lower-case hex SHA-256 of the DER, and of the SubjectPublicKeyInfo. */
  sha256: string;
  dnsNames: string[];
  spkiSha256: string;
}

/** dNSName [2] values of the subjectAltName, as written (no policy checks: this only reports). */
function dnsNamesOf(der: Uint8Array): string[] {
  const san = certificateExtension(der, OID.subjectAltName);
  if (!san) return [];
  const list = readTlv(san.value, 0);
  return children(san.value, list)
    .filter((n) => n.tag === 0x82)
    .map((n) => new TextDecoder().decode(content(san.value, n)));
}

export function summarizeCert(der: Uint8Array): CertSummary {
  const cert = parseCertView(der);
  return {
    serialHex: bytesToHex(cert.serial, true),
    subject: nameDerToText(cert.subjectDer),
    issuer: nameDerToText(cert.issuerDer),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sha256: digestHex("sha256", der),
    dnsNames: dnsNamesOf(der),
    spkiSha256: digestHex("sha256", cert.spkiDer),
  };
}

export function spkiSha256OfKey(key: PrivateKeyHandle): string {
  return digestHex("sha256", spkiOfPrivateKey(key));
}

export function certPem(der: Uint8Array): string {
  return toPem("CERTIFICATE", der);
}

/** The DER of the first CERTIFICATE block of a PEM text. */
export function certDerFromPem(pem: string): Uint8Array {
  const block = parsePem(pem).find((b) => b.label === "CERTIFICATE");
  if (!block) throw new Error("no CERTIFICATE PEM block");
  return block.der;
}

/**
 * certmonger's scep-submit prints the still-encrypted pkcsPKIEnvelope: decrypt it with the request
 * signer's certificate and key and return the certificates of the degenerate PKCS#7 inside.
 */
export function decryptEnvelopePem(envelopePem: string, signer: RequestSigner): { certificates: Uint8Array[]; cipher: ContentCipherName } {
  const block = parsePem(envelopePem)[0];
  if (!block) throw new Error("no PEM block in scep-submit output");
  const opened = decryptEnvelope(block.der, [recipientKeyFor(signer.cert, signer.key)], { allowLegacyDes: true });
  return { certificates: parseCertsOnly(opened.content).certificates, cipher: opened.cipher };
}
