// Assembles an X.509 v3 certificate with pkijs and signs it with node:crypto (not pkijs/WebCrypto:
// node:crypto KeyObjects are what workerd and Node share, and they avoid async WebCrypto imports).
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { PrivateKeyHandle } from "../crypto/keys";
import { signatureAlgorithmFor, signBytes } from "../crypto/signature";
import type { HashName } from "../scep/oids";
import { bytesToHex, toArrayBuffer, toBytes } from "../util/bytes";
import { x509Time } from "./profile";

export interface CertificateFields {
  serial: Uint8Array;
  /** Exact issuer Name (pkijs re-emits a parsed Name's original bytes). */
  issuer: pkijs.RelativeDistinguishedNames;
  subject: pkijs.RelativeDistinguishedNames;
  spkiDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  extensions: pkijs.Extension[];
  signer: PrivateKeyHandle;
  hash: HashName;
}

/** AlgorithmIdentifier: explicit NULL parameters for RSA (RFC 4055 §5), absent for ECDSA (RFC 5758 §3.2). */
export function algorithmIdentifier(signer: PrivateKeyHandle, hash: HashName): pkijs.AlgorithmIdentifier {
  const alg = signatureAlgorithmFor(signer, hash);
  return alg.nullParams
    ? new pkijs.AlgorithmIdentifier({ algorithmId: alg.oid, algorithmParams: new asn1js.Null() })
    : new pkijs.AlgorithmIdentifier({ algorithmId: alg.oid });
}

/** Builds the TBSCertificate, signs it, and returns the DER certificate. */
export function signCertificate(fields: CertificateFields): Uint8Array {
  const cert = new pkijs.Certificate();
  cert.version = 2; // v3 (RFC 5280 §4.1.2.1): extensions are present
  cert.serialNumber = new asn1js.Integer({ valueHex: toArrayBuffer(fields.serial) });
  const sigAlg = algorithmIdentifier(fields.signer, fields.hash);
  cert.signature = sigAlg; // §4.1.2.3: must equal the outer signatureAlgorithm
  cert.issuer = fields.issuer;
  cert.notBefore = x509Time(fields.notBefore);
  cert.notAfter = x509Time(fields.notAfter);
  cert.subject = fields.subject;
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(fields.spkiDer);
  cert.extensions = fields.extensions;
  cert.tbsView = new Uint8Array(cert.encodeTBS().toBER());
  const signature = signBytes(fields.signer, fields.hash, cert.tbsView);
  cert.signatureAlgorithm = sigAlg;
  cert.signatureValue = new asn1js.BitString({ valueHex: toArrayBuffer(signature) });
  return toBytes(cert.toSchema().toBER());
}

export function fingerprintHex(der: Uint8Array, hash: "sha1" | "sha256"): string {
  return bytesToHex(new Uint8Array(createHash(hash).update(der).digest()), true);
}
