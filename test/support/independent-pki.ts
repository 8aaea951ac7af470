// The one deliberately independent request builder of the tests: PKCS#10 requests and self-signed
// signer certificates written with pkijs/asn1js and node:crypto, sharing no code with src/asn1 or
// src/x509, so a bug in the project's own DER writer cannot hide in both the request and the check.
// rawCsr() writes any subject and extension bytes (duplicates, wrong string types, odd challenge
// encodings): exactly the request an attacker or an odd client would send. Runs in Node and workerd.
import { createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { importPrivateKeyPem, type PrivateKeyHandle } from "../../src/crypto/keys";

export type Hash = "sha1" | "sha256" | "sha384" | "sha512";

const OIDS = {
  sha256WithRSA: "1.2.840.113549.1.1.11",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  challengePassword: "1.2.840.113549.1.9.7",
  extensionRequest: "1.2.840.113549.1.9.14",
  subjectAltName: "2.5.29.17",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  authorityKeyIdentifier: "2.5.29.35",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  rsa: { sha1: "1.2.840.113549.1.1.5", sha256: "1.2.840.113549.1.1.11", sha384: "1.2.840.113549.1.1.12", sha512: "1.2.840.113549.1.1.13" },
  ecdsa: { sha1: "1.2.840.10045.4.1", sha256: "1.2.840.10045.4.3.2", sha384: "1.2.840.10045.4.3.3", sha512: "1.2.840.10045.4.3.4" },
} as const;

export interface Subject {
  commonName: string;
  organization?: string;
}

export function newKey(spec: { algorithm: "rsa"; bits: number } | { algorithm: "ec"; curve: "prime256v1" | "secp384r1" }): PrivateKeyHandle {
  const { privateKey } =
    spec.algorithm === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: spec.bits, publicExponent: 0x10001 })
      : generateKeyPairSync("ec", { namedCurve: spec.curve });
  return importPrivateKeyPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString());
}

export function spkiDer(key: PrivateKeyHandle): Uint8Array {
  return new Uint8Array(createPublicKey(key.key).export({ type: "spki", format: "der" }));
}

/** One attribute per RDN (O, then CN), UTF8String, as most clients encode it. */
function nameDer(subject: Subject): Uint8Array {
  const rdn = (type: string, value: string) =>
    new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: type }), new asn1js.Utf8String({ value })] })] });
  const rdns = [];
  if (subject.organization) rdns.push(rdn(OIDS.organization, subject.organization));
  rdns.push(rdn(OIDS.commonName, subject.commonName));
  return new Uint8Array(new asn1js.Sequence({ value: rdns }).toBER());
}

function name(subject: Subject): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(nameDer(subject)).result });
}

function signatureAlgorithm(key: PrivateKeyHandle, hash: Hash): pkijs.AlgorithmIdentifier {
  return key.algorithm === "rsa"
    ? new pkijs.AlgorithmIdentifier({ algorithmId: OIDS.rsa[hash], algorithmParams: new asn1js.Null() })
    : new pkijs.AlgorithmIdentifier({ algorithmId: OIDS.ecdsa[hash] });
}

function signWith(key: PrivateKeyHandle, hash: Hash, data: Uint8Array): ArrayBuffer {
  const sig = sign(hash, data, key.key);
  return new Uint8Array(sig).buffer;
}

function ext(extnID: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER() });
}

export interface CsrOptions {
  key: PrivateKeyHandle;
  subject: Subject;
  /** undefined: no challengePassword attribute. */
  challenge?: string;
  challengeEncoding?: "printable" | "utf8";
  dnsNames?: string[];
  hash?: Hash;
}

export function buildCsr(o: CsrOptions): Uint8Array {
  const hash = o.hash ?? "sha256";
  const csr = new pkijs.CertificationRequest();
  csr.subject = name(o.subject);
  csr.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spkiDer(o.key));
  const attributes: pkijs.Attribute[] = [];
  if (o.challenge !== undefined) {
    const value = o.challengeEncoding === "utf8" ? new asn1js.Utf8String({ value: o.challenge }) : new asn1js.PrintableString({ value: o.challenge });
    attributes.push(new pkijs.Attribute({ type: OIDS.challengePassword, values: [value] }));
  }
  if (o.dnsNames?.length) {
    const sans = new asn1js.Sequence({
      value: o.dnsNames.map((d) => new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: new TextEncoder().encode(d) })),
    });
    const extensions = new pkijs.Extensions({ extensions: [ext(OIDS.subjectAltName, false, sans)] });
    attributes.push(new pkijs.Attribute({ type: OIDS.extensionRequest, values: [extensions.toSchema()] }));
  }
  csr.attributes = attributes;
  const tbs = new Uint8Array((csr as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  csr.tbsView = tbs;
  csr.signatureAlgorithm = signatureAlgorithm(o.key, hash);
  csr.signatureValue = new asn1js.BitString({ valueHex: signWith(o.key, hash, tbs) });
  return new Uint8Array(csr.toSchema().toBER());
}

/** The self-signed "SCEP SIGNER" certificate clients use before they hold a certificate (RFC 8894 §2.3). */
export function selfSignedCert(
  key: PrivateKeyHandle,
  subject: Subject,
  options: { criticalAki?: boolean; serial?: Uint8Array } = {},
): pkijs.Certificate {
  const now = Date.now();
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial =
    options.serial ??
    (() => {
      const s = crypto.getRandomValues(new Uint8Array(12));
      s[0] = (s[0]! & 0x7f) | 0x01;
      return s;
    })();
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  cert.issuer = name(subject);
  cert.subject = name(subject);
  cert.notBefore.value = new Date(Math.floor(now / 1000) * 1000 - 3_600_000);
  cert.notAfter.value = new Date(Math.floor(now / 1000) * 1000 + 7 * 86_400_000);
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spkiDer(key));
  const extensions = [
    // digitalSignature + keyEncipherment
    ext(OIDS.keyUsage, true, new asn1js.BitString({ valueHex: new Uint8Array([0xa0]).buffer, unusedBits: 5 })),
    ext(OIDS.extKeyUsage, false, new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OIDS.clientAuth })] })),
  ];
  if (options.criticalAki) {
    // Windows' "SCEP Protocol Certificate" carries a critical AKI (smallstep PR #1994).
    const keyId = crypto.getRandomValues(new Uint8Array(20));
    extensions.push(
      ext(
        OIDS.authorityKeyIdentifier,
        true,
        new asn1js.Sequence({ value: [new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: keyId.buffer })] }),
      ),
    );
  }
  cert.extensions = extensions;
  cert.signature = signatureAlgorithm(key, "sha256");
  cert.signatureAlgorithm = signatureAlgorithm(key, "sha256");
  const tbs = new Uint8Array(cert.encodeTBS().toBER());
  cert.tbsView = tbs;
  cert.signatureValue = new asn1js.BitString({ valueHex: signWith(key, "sha256", tbs) });
  // Round-trip so the object carries its exact DER encoding.
  return pkijs.Certificate.fromBER(cert.toSchema().toBER());
}

export interface RawExtension {
  oid: string;
  critical?: boolean;
  /** extnValue contents (e.g. GeneralNames DER), sent as given. */
  value: Uint8Array;
}

export interface RawCsrInput {
  key: PrivateKeyHandle;
  /** Any bytes: they are spliced in unchecked. */
  subjectDer: Uint8Array;
  /** PrintableString unless `challengeTag` says otherwise; the text's UTF-8 bytes whatever the tag. */
  challenge?: string;
  challengeTag?: number;
  extensions?: RawExtension[];
  /** Enrollment name-value pairs ([MS-WCCE] §2.2.2.7.10, BMPStrings), in one attribute: Windows' validity. */
  nameValuePairs?: [string, string][];
}

/** TLV with a DER length, written here (not src/asn1's) so the bytes under test share no writer with the code. */
function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = new Uint8Array(Buffer.concat(parts));
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return new Uint8Array(Buffer.concat([Uint8Array.of(tag, ...len), body]));
}
const oidDer = (dotted: string) => new Uint8Array(new asn1js.ObjectIdentifier({ value: dotted }).toBER());

/** A PKCS#10 (RFC 2986 §4) with exactly these bytes, signed with SHA-256 by the key it names (proof of possession). */
export function rawCsr(o: RawCsrInput): Uint8Array {
  const attributes: Uint8Array[] = [];
  if (o.challenge !== undefined) {
    attributes.push(der(0x30, oidDer(OIDS.challengePassword), der(0x31, der(o.challengeTag ?? 0x13, new TextEncoder().encode(o.challenge)))));
  }
  if (o.extensions?.length) {
    const exts = o.extensions.map((e) => der(0x30, oidDer(e.oid), ...(e.critical ? [Uint8Array.of(0x01, 0x01, 0xff)] : []), der(0x04, e.value)));
    attributes.push(der(0x30, oidDer(OIDS.extensionRequest), der(0x31, der(0x30, ...exts))));
  }
  if (o.nameValuePairs?.length) {
    const bmp = (text: string) => der(0x1e, new Uint8Array(Buffer.from(text, "utf16le").swap16()));
    const pairs = o.nameValuePairs.map(([name, value]) => der(0x30, bmp(name), bmp(value)));
    attributes.push(der(0x30, oidDer("1.3.6.1.4.1.311.13.2.1"), der(0x31, ...pairs)));
  }
  const info = der(0x30, Uint8Array.of(0x02, 0x01, 0x00), o.subjectDer, spkiDer(o.key), der(0xa0, ...attributes));
  const alg = o.key.algorithm === "rsa" ? der(0x30, oidDer(OIDS.sha256WithRSA), Uint8Array.of(0x05, 0x00)) : der(0x30, oidDer(OIDS.ecdsaWithSHA256));
  return der(0x30, info, alg, der(0x03, Uint8Array.of(0), new Uint8Array(signWith(o.key, "sha256", info))));
}

export function sanExtension(generalNamesDer: Uint8Array, critical = false): RawExtension {
  return { oid: OIDS.subjectAltName, critical, value: generalNamesDer };
}
