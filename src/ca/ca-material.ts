// Loads the issuing CA (and optional RA and next CA) from settings, once per isolate.
// Every failure names the setting (CA_CERT, CA_KEY, RA_CERT, RA_KEY, NEXT_CA_CERT) and never
// echoes key material.
import { content, DerError, readTlv, TAG } from "../asn1/der";
import { OID } from "../asn1/oids";
import { parsePem, toPem } from "../asn1/pem";
import { importPrivateKeyPem, KeyImportError, privateKeyMatchesSpki, publicKeyFromSpki, type PrivateKeyHandle } from "../crypto/keys";
import { hashForSignature, verifyBytes } from "../crypto/signature";
import { SettingError } from "../util/setting-error";
import { fingerprintHex } from "../x509/cert-builder";
import { certificateExtension, isCaCertificate } from "../x509/cert-extensions";
import { parseCertView, type CertView } from "../x509/cert-view";
import { keyIdentifierOfSpki } from "../x509/extensions";

/** A CA or RA setting that cannot serve: names the setting, never its value. */
export class CaConfigError extends SettingError {
  constructor(setting: string, problem: string, options?: ErrorOptions) {
    super(setting, problem, options);
    this.name = "CaConfigError";
  }
}

export interface RaMaterial {
  cert: CertView;
  der: Uint8Array;
  key: PrivateKeyHandle;
}

export interface CaMaterial {
  caCert: CertView;
  caCertDer: Uint8Array;
  /** The rest of CA_CERT after the issuing CA (intermediates, then root), as given. */
  chainDers: Uint8Array[];
  caKey: PrivateKeyHandle;
  caSpkiDer: Uint8Array;
  caSubjectKeyId: Uint8Array;
  caSubjectDer: Uint8Array;
  ra?: RaMaterial;
  nextCaDer?: Uint8Array;
  /** Uppercase hex SHA-256 of the issuing CA certificate DER, no separators. */
  fingerprintSha256Hex: string;
}

export interface CaMaterialInput {
  caCertPem: string;
  caKeyPem: string;
  raCertPem?: string;
  raKeyPem?: string;
  nextCaCertPem?: string;
}

interface LoadedCert {
  cert: CertView;
  der: Uint8Array;
}

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}

function readCertificates(setting: string, pem: string): LoadedCert[] {
  const blocks = parsePem(pem).filter((b) => b.label === "CERTIFICATE" || b.label === "X509 CERTIFICATE");
  if (blocks.length === 0) throw new CaConfigError(setting, "not a certificate (no PEM CERTIFICATE block found)");
  return blocks.map((block, i) => {
    try {
      return { cert: parseCertView(block.der), der: block.der };
    } catch (e) {
      throw new CaConfigError(setting, `not a certificate (PEM block ${i + 1} is not a DER X.509 certificate)`, { cause: e });
    }
  });
}

function readKey(setting: string, pem: string): PrivateKeyHandle {
  try {
    return importPrivateKeyPem(pem);
  } catch (e) {
    const why = e instanceof KeyImportError ? e.message : "not a readable private key";
    throw new CaConfigError(setting, why, { cause: e });
  }
}

/** RFC 5280 §4.2.1.9: a certificate that signs certificates must assert cA in basicConstraints. */
function assertIsCa(setting: string, loaded: LoadedCert): void {
  if (!isCaCertificate(loaded.der)) {
    const present = certificateExtensionOrUndefined(loaded.der, OID.basicConstraints) !== undefined;
    throw new CaConfigError(
      setting,
      present ? "certificate is not a CA (basicConstraints cA is false)" : "certificate is not a CA (no basicConstraints extension)",
    );
  }
  const ku = certificateExtensionOrUndefined(loaded.der, OID.keyUsage);
  if (ku) {
    // §4.2.1.3: keyCertSign is bit 5, i.e. 0x04 in the first content byte after the unused-bits octet.
    const bits = bitStringValue(ku.value);
    if (((bits?.[0] ?? 0) & 0x04) === 0) throw new CaConfigError(setting, "certificate keyUsage lacks keyCertSign");
  }
}

/** An extension, or undefined when absent or the extensions are unreadable (then the CA checks fail by name). */
function certificateExtensionOrUndefined(der: Uint8Array, oid: string) {
  try {
    return certificateExtension(der, oid);
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
}

/** The value octets of a BIT STRING extension value (after the unused-bits octet), or undefined. */
function bitStringValue(value: Uint8Array): Uint8Array | undefined {
  try {
    const t = readTlv(value, 0);
    return t.tag === TAG.BIT_STRING ? content(value, t).subarray(1) : undefined;
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
}

/** SKI extension value, or RFC 5280 §4.2.1.2 method (1) when the CA certificate has none. */
function subjectKeyIdOf(cert: CertView): Uint8Array {
  return cert.subjectKeyId?.slice() ?? keyIdentifierOfSpki(cert.spkiDer);
}

/** True when `issuer`'s key produced `cert`'s signature. */
function isSignedBy(cert: CertView, issuerSpkiDer: Uint8Array): boolean {
  const hash = hashForSignature(cert.signatureAlgorithmOid);
  if (!hash) return false;
  try {
    const key = publicKeyFromSpki(issuerSpkiDer);
    return verifyBytes(key, hash, cert.tbs, cert.signature);
  } catch {
    return false;
  }
}

export interface LoadOptions {
  /**
   * Load the CA only as an issuer for tools that generate certificates under it (a root, or an EC
   * CA before its RA exists): skips the check that a SCEP endpoint can receive requests.
   */
  issuerOnly?: boolean;
}

export function loadCaMaterial(input: CaMaterialInput, options: LoadOptions = {}): CaMaterial {
  if (!present(input.caCertPem)) throw new CaConfigError("CA_CERT", "missing (set the issuing CA certificate PEM, then its chain)");
  if (!present(input.caKeyPem)) throw new CaConfigError("CA_KEY", "missing (set the issuing CA private key as a secret)");
  const [issuing, ...chain] = readCertificates("CA_CERT", input.caCertPem);
  const caCert = issuing!.cert;
  assertIsCa("CA_CERT", issuing!);
  const caKey = readKey("CA_KEY", input.caKeyPem);
  const caSubjectDer = caCert.subjectDer.slice();
  const caSpkiDer = caCert.spkiDer.slice();
  if (!privateKeyMatchesSpki(caKey, caSpkiDer)) {
    throw new CaConfigError("CA_KEY", "key does not match the certificate in CA_CERT (the first PEM block must be the issuing CA)");
  }

  const material: CaMaterial = {
    caCert,
    caCertDer: issuing!.der,
    chainDers: chain.map((c) => c.der),
    caKey,
    caSpkiDer,
    caSubjectKeyId: subjectKeyIdOf(caCert),
    caSubjectDer,
    fingerprintSha256Hex: fingerprintHex(issuing!.der, "sha256"),
  };

  if (present(input.raCertPem) || present(input.raKeyPem)) {
    if (!present(input.raCertPem)) throw new CaConfigError("RA_CERT", "missing while RA_KEY is set (set both or neither)");
    if (!present(input.raKeyPem)) throw new CaConfigError("RA_KEY", "missing while RA_CERT is set (an RA needs its key)");
    const ra = readCertificates("RA_CERT", input.raCertPem)[0]!;
    const raKey = readKey("RA_KEY", input.raKeyPem);
    if (!privateKeyMatchesSpki(raKey, ra.cert.spkiDer)) {
      throw new CaConfigError("RA_KEY", "key does not match the certificate in RA_CERT");
    }
    material.ra = { cert: ra.cert, der: ra.der, key: raKey };
  }

  if (present(input.nextCaCertPem)) {
    const next = readCertificates("NEXT_CA_CERT", input.nextCaCertPem)[0]!;
    assertIsCa("NEXT_CA_CERT", next);
    // RFC 8894 §3.5.3 / §4.7: clients trust the rollover certificate because it chains to what they
    // already trust; accept one signed by the current CA or by a certificate of its chain.
    const signers = [caSpkiDer, ...chain.map((c) => c.cert.spkiDer)];
    if (!signers.some((spki) => isSignedBy(next.cert, spki))) {
      throw new CaConfigError("NEXT_CA_CERT", "next CA is not signed by the current CA (or a certificate of CA_CERT's chain)");
    }
    material.nextCaDer = next.der;
  }
  if (!options.issuerOnly) assertRsaRecipient(material);
  return material;
}

/**
 * Retired CAs (a rollover left them behind): each certificate of RETIRED_CA_CERTS with the key of
 * RETIRED_CA_KEYS that matches it. They never issue, so they need no RA; they sign their CRLs.
 */
export function loadRetiredCa(certsPem: string, keyBlocks: { label: string; der: Uint8Array }[]): CaMaterial[] {
  const keys = keyBlocks.map((block, i) => {
    try {
      return importPrivateKeyPem(toPem(block.label, block.der));
    } catch {
      throw new CaConfigError("RETIRED_CA_KEYS", `PEM block ${i + 1} is not a readable unencrypted private key`);
    }
  });
  return readCertificates("RETIRED_CA_CERTS", certsPem).map((loaded, i) => {
    assertIsCa("RETIRED_CA_CERTS", loaded);
    const subjectDer = loaded.cert.subjectDer.slice();
    const spkiDer = loaded.cert.spkiDer.slice();
    const key = keys.find((k) => privateKeyMatchesSpki(k, spkiDer));
    if (!key) throw new CaConfigError("RETIRED_CA_KEYS", `no key matches certificate ${i + 1} of RETIRED_CA_CERTS`);
    return {
      caCert: loaded.cert,
      caCertDer: loaded.der,
      chainDers: [],
      caKey: key,
      caSpkiDer: spkiDer,
      caSubjectKeyId: subjectKeyIdOf(loaded.cert),
      caSubjectDer: subjectDer,
      fingerprintSha256Hex: fingerprintHex(loaded.der, "sha256"),
    };
  });
}

/**
 * SCEP clients encrypt every request with RSA key transport (RFC 8894 §3.5.2; RFC 5652 §6.2.1
 * KeyTransRecipientInfo) to the RA certificate when GetCACert names one, else to the CA: with no
 * RSA key there, no client can ever enroll. Refused here so the Worker answers 503 naming RA_CERT.
 */
function assertRsaRecipient(material: CaMaterial): void {
  if (material.ra) {
    if (material.ra.key.algorithm !== "rsa") {
      throw new CaConfigError("RA_CERT", "the RA key must be RSA: SCEP clients encrypt their requests to it with RSA key transport");
    }
  } else if (material.caKey.algorithm !== "rsa") {
    throw new CaConfigError(
      "RA_CERT",
      "missing: an EC CA needs an RSA RA (RA_CERT/RA_KEY), because SCEP clients encrypt their requests with RSA key transport",
    );
  }
}
