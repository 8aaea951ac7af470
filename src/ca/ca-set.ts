// The CAs one Worker answers for: the current issuing CA and the retired ones a rollover left
// behind. A CA is identified by its key (SHA-256 of its SubjectPublicKeyInfo), not by its
// certificate: re-issuing the CA certificate for the same key keeps its ledger, its revocations and
// its CRL number. A retired CA never issues again but still signs its own CRL and vouches for its
// certificates (revocation, lookup, renewal into the current CA).
import { createHash, type KeyObject } from "node:crypto";
import { publicKeyFromSpki } from "../crypto/keys";
import { hashForSignature, verifyBytes } from "../crypto/signature";
import { bytesEqual, bytesToHex } from "../util/bytes";
import type { CertView } from "../x509/cert-view";
import { CaConfigError, loadRetiredCa, type CaMaterial } from "./ca-material";
import { parsePem } from "../asn1/pem";

export interface IssuingCa {
  /** First 32 hex digits of SHA-256(SubjectPublicKeyInfo): names the ledger and the CRL URL. */
  keyId: string;
  material: CaMaterial;
  current: boolean;
  /** Durable Object name of this CA's ledger. */
  ledgerName: string;
  publicKey: KeyObject;
}

export interface CaSet {
  current: IssuingCa;
  retired: IssuingCa[];
  /** Current first, then retired in the order configured. */
  all: IssuingCa[];
}

export function caKeyId(spkiDer: Uint8Array): string {
  return bytesToHex(new Uint8Array(createHash("sha256").update(spkiDer).digest())).slice(0, 32);
}

function issuingCa(material: CaMaterial, current: boolean): IssuingCa {
  const keyId = caKeyId(material.caSpkiDer);
  return { keyId, material, current, ledgerName: `ca-key:${keyId}`, publicKey: publicKeyFromSpki(material.caSpkiDer) };
}

/**
 * RETIRED_CA_CERTS (var: the retired CA certificates, PEM) and RETIRED_CA_KEYS (secret: their keys,
 * PEM, any order). Every retired certificate needs its key: it signs that CA's CRL.
 */
export function buildCaSet(current: CaMaterial, retiredCertsPem?: string, retiredKeysPem?: string): CaSet {
  const head = issuingCa(current, true);
  const retired: IssuingCa[] = [];
  if (retiredCertsPem?.trim() || retiredKeysPem?.trim()) {
    if (!retiredCertsPem?.trim()) throw new CaConfigError("RETIRED_CA_CERTS", "missing while RETIRED_CA_KEYS is set (set both or neither)");
    if (!retiredKeysPem?.trim())
      throw new CaConfigError("RETIRED_CA_KEYS", "missing while RETIRED_CA_CERTS is set (a retired CA signs its CRL with its key)");
    const keyBlocks = parsePem(retiredKeysPem).filter((b) => b.label.endsWith("PRIVATE KEY"));
    if (keyBlocks.length === 0) throw new CaConfigError("RETIRED_CA_KEYS", "no PEM private key found");
    for (const material of loadRetiredCa(retiredCertsPem, keyBlocks)) {
      const ca = issuingCa(material, false);
      if (ca.keyId === head.keyId) {
        throw new CaConfigError(
          "RETIRED_CA_CERTS",
          "a certificate has the current CA's key: a re-issued CA certificate keeps its ledger and needs no retired entry",
        );
      }
      if (retired.some((r) => r.keyId === ca.keyId))
        throw new CaConfigError("RETIRED_CA_CERTS", "two certificates share one key: keep only the newest");
      retired.push(ca);
    }
  }
  return { current: head, retired, all: [head, ...retired] };
}

/**
 * The CA (current or retired) that issued this certificate: its issuer name is the CA's subject and
 * its signature verifies under the CA's key. Anything else is not ours, whatever it claims.
 */
export function issuerOf(cert: CertView, cas: CaSet): IssuingCa | undefined {
  for (const ca of cas.all) {
    if (!bytesEqual(cert.issuerDer, ca.material.caSubjectDer)) continue;
    const hash = hashForSignature(cert.signatureAlgorithmOid);
    if (hash && verifyBytes(ca.publicKey, hash, cert.tbs, cert.signature)) return ca;
  }
  return undefined;
}

export function caByKeyId(cas: CaSet, keyId: string): IssuingCa | undefined {
  return cas.all.find((ca) => ca.keyId === keyId.toLowerCase());
}

/** CAs whose subject is this issuer name (GetCert/GetCRL name the issuer; a re-keyed CA may share it). */
export function casNamed(cas: CaSet, issuerDer: Uint8Array): IssuingCa[] {
  return cas.all.filter((ca) => bytesEqual(ca.material.caSubjectDer, issuerDer));
}
