// CA, intermediate and RA generation for scripts/ and tests. Pure apart from key generation:
// time and randomness are parameters.
import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { toPem } from "../asn1/pem";
import type { HashName } from "../crypto/algorithms";
import { importPrivateKeyPem, type PrivateKeyHandle } from "../crypto/keys";
import { signCertificate } from "../x509/cert-builder";
import { buildCsr } from "../x509/csr-builder";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  keyIdentifierOfSpki,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
  type KeyUsageName,
} from "../x509/extensions";
import { encodeName, simpleName, type SimpleName } from "../x509/name";
import { wholeSeconds } from "../x509/time";
import type { CaMaterial } from "./ca-material";
import { randomSerial } from "./serial";

export type { SimpleName } from "../x509/name";

export type KeySpec = { algorithm: "rsa"; bits?: number } | { algorithm: "ec"; curve?: "P-256" | "P-384" };

export interface GenerateCaInput {
  subject: SimpleName;
  key: KeySpec;
  validityDays: number;
  /** Signs an intermediate; omitted for a self-signed root. */
  issuer?: CaMaterial;
  /** basicConstraints pathLenConstraint (RFC 5280 §4.2.1.9); none when omitted. */
  pathLength?: number;
  now: Date;
  randomBytes: (n: number) => Uint8Array;
  hash?: HashName;
}

export interface GeneratedPair {
  certPem: string;
  certDer: Uint8Array;
  /** PKCS#8 PEM. */
  keyPem: string;
}

/**
 * CA keyUsage. keyCertSign + cRLSign make it a CA (§4.2.1.3); digitalSignature + keyEncipherment are
 * there because SCEP clients sign to and encrypt for the CA certificate when no RA is configured:
 * macOS/iOS and micromdm/scep#81 refuse a recipient certificate without them.
 */
const CA_KEY_USAGE: KeyUsageName[] = ["digitalSignature", "keyEncipherment", "keyCertSign", "cRLSign"];
const RA_KEY_USAGE: KeyUsageName[] = ["digitalSignature", "keyEncipherment"];

export function generateKeyPair(spec: KeySpec): { privateKey: KeyObject; spkiDer: Uint8Array; keyPem: string } {
  const { privateKey } =
    spec.algorithm === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: spec.bits ?? 2048, publicExponent: 0x10001 })
      : generateKeyPairSync("ec", { namedCurve: spec.curve === "P-384" ? "secp384r1" : "prime256v1" });
  const spkiDer = new Uint8Array(createPublicKey(privateKey).export({ type: "spki", format: "der" }));
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { privateKey, spkiDer, keyPem };
}

function hashFor(key: PrivateKeyHandle, hash?: HashName): HashName {
  return hash ?? (key.algorithm === "ec" && key.bits === 384 ? "sha384" : "sha256");
}

function issueSigned(
  input: {
    subject: SimpleName;
    key: KeySpec;
    validityDays: number;
    issuer?: CaMaterial;
    now: Date;
    randomBytes: (n: number) => Uint8Array;
    hash?: HashName;
  },
  extensionsFor: (ski: Uint8Array) => Uint8Array[],
): GeneratedPair {
  const pair = generateKeyPair(input.key);
  const own = importPrivateKeyPem(pair.keyPem);
  const signer = input.issuer?.caKey ?? own;
  const ski = keyIdentifierOfSpki(pair.spkiDer);
  const aki = input.issuer?.caSubjectKeyId ?? ski;
  const notBefore = wholeSeconds(input.now);
  let notAfter = wholeSeconds(new Date(input.now.getTime() + input.validityDays * 86_400_000));
  if (input.issuer && notAfter > input.issuer.caCert.notAfter) notAfter = wholeSeconds(input.issuer.caCert.notAfter);
  const subjectDer = encodeName(simpleName(input.subject));
  const certDer = signCertificate({
    serial: randomSerial(input.randomBytes),
    issuerDer: input.issuer ? input.issuer.caSubjectDer : subjectDer,
    subjectDer,
    spkiDer: pair.spkiDer,
    notBefore,
    notAfter,
    extensions: [...extensionsFor(ski), subjectKeyIdentifierExtension(ski), authorityKeyIdentifierExtension(aki)],
    signer,
    hash: hashFor(signer, input.hash),
  });
  return { certPem: toPem("CERTIFICATE", certDer), certDer, keyPem: pair.keyPem };
}

/** A self-signed root (no issuer) or an intermediate signed by `issuer`. */
export function generateCa(input: GenerateCaInput): GeneratedPair {
  return issueSigned(input, () => [basicConstraintsExtension(true, input.pathLength), keyUsageExtension(CA_KEY_USAGE)]);
}

export interface GenerateRaInput {
  ca: CaMaterial;
  subject?: SimpleName;
  key?: KeySpec;
  validityDays?: number;
  now: Date;
  randomBytes: (n: number) => Uint8Array;
}

/** An RFC 8894 §2.1 RA certificate: signs and decrypts SCEP messages, is not a CA. */
export function generateRaPair(input: GenerateRaInput): GeneratedPair {
  return issueSigned(
    {
      subject: input.subject ?? { commonName: "Edge SCEP RA" },
      key: input.key ?? { algorithm: "rsa", bits: 2048 },
      validityDays: input.validityDays ?? 730,
      issuer: input.ca,
      now: input.now,
      randomBytes: input.randomBytes,
    },
    () => [basicConstraintsExtension(false), keyUsageExtension(RA_KEY_USAGE)],
  );
}

/**
 * A PKCS#10 request for an issuing CA signed by an external root (ca-bootstrap --csr). It asks for
 * the CA extensions in extensionRequest (RFC 2985 §5.4.2); the root decides what it grants.
 */
export function generateCaCsr(input: { subject: SimpleName; key: KeySpec; hash?: HashName }): { csrPem: string; keyPem: string } {
  const pair = generateKeyPair(input.key);
  const signer = importPrivateKeyPem(pair.keyPem);
  const csr = buildCsr({
    key: signer,
    subjectDer: encodeName(simpleName(input.subject)),
    extensions: [
      basicConstraintsExtension(true, 0),
      keyUsageExtension(CA_KEY_USAGE),
      subjectKeyIdentifierExtension(keyIdentifierOfSpki(pair.spkiDer)),
    ],
    hash: hashFor(signer, input.hash),
  });
  return { csrPem: toPem("CERTIFICATE REQUEST", csr), keyPem: pair.keyPem };
}
