// Client-side building blocks of an enrollment: a PKCS#10 with challengePassword and SANs, and the
// self-signed signer certificate SCEP clients use before they hold a certificate (RFC 8894 §2.3).
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { spkiOfPrivateKey, type PrivateKeyHandle } from "../crypto/keys";
import { signBytes } from "../crypto/signature";
import { buildNameDer, nameFromDer, type SimpleName } from "../ca/dn";
import { authorityKeyIdentifierExtension, extKeyUsageExtension, keyIdentifierOfSpki, keyUsageExtension, subjectAltNameExtension } from "../ca/profile";
import { randomSerial } from "../ca/serial";
import { algorithmIdentifier, signCertificate } from "../ca/sign-cert";
import { OID, type HashName } from "../scep/oids";
import { parseCertificate } from "../scep/asn1";
import { toArrayBuffer, toBytes } from "../util/bytes";

export interface CsrInput {
  key: PrivateKeyHandle;
  /** A simple name, or exact DER (a renewal keeps the old certificate's subject byte for byte). */
  subject: SimpleName | Uint8Array;
  challenge?: string;
  /**
   * PrintableString is what scepclient and certmonger send; UTF8String is allowed too. Default:
   * PrintableString when the challenge fits its character set, else UTF8String.
   */
  challengeEncoding?: "printable" | "utf8";
  dnsNames?: string[];
  hash?: HashName;
}

export function buildCsr(input: CsrInput): Uint8Array {
  const hash = input.hash ?? "sha256";
  const csr = new pkijs.CertificationRequest();
  csr.subject = nameFromDer(nameDerOf(input.subject));
  csr.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spkiOfPrivateKey(input.key));
  const attributes: pkijs.Attribute[] = [];
  if (input.challenge !== undefined) {
    const encoding = input.challengeEncoding ?? (PRINTABLE.test(input.challenge) ? "printable" : "utf8");
    const value =
      encoding === "utf8" ? new asn1js.Utf8String({ value: input.challenge }) : new asn1js.PrintableString({ value: input.challenge });
    attributes.push(new pkijs.Attribute({ type: OID.challengePassword, values: [value] }));
  }
  if (input.dnsNames?.length) {
    const names = new pkijs.GeneralNames({
      names: input.dnsNames.map((dns) => new pkijs.GeneralName({ type: 2, value: dns })),
    });
    const san = subjectAltNameExtension(toBytes(names.toSchema().toBER()), false);
    const extensions = new asn1js.Sequence({ value: [asn1js.fromBER(toArrayBuffer(san)).result] });
    attributes.push(new pkijs.Attribute({ type: OID.extensionRequest, values: [extensions] }));
  }
  csr.attributes = attributes;
  csr.tbsView = new Uint8Array((csr as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  csr.signatureAlgorithm = algorithmIdentifier(input.key, hash);
  csr.signatureValue = new asn1js.BitString({ valueHex: toArrayBuffer(signBytes(input.key, hash, csr.tbsView)) });
  return toBytes(csr.toSchema().toBER());
}

/** X.680 PrintableString characters. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function nameDerOf(subject: SimpleName | Uint8Array): Uint8Array {
  return subject instanceof Uint8Array ? subject : buildNameDer(subject);
}

/** Self-signed signer certificate for the request's key (subject as the client chooses). */
export function selfSignedSigner(
  key: PrivateKeyHandle,
  subject: SimpleName | Uint8Array,
  now: Date,
  randomBytes: (n: number) => Uint8Array,
  options: { criticalAki?: boolean } = {},
): pkijs.Certificate {
  const nameDer = nameDerOf(subject);
  const spkiDer = spkiOfPrivateKey(key);
  const extensions: Uint8Array[] = [
    keyUsageExtension(["digitalSignature", "keyEncipherment"]),
    extKeyUsageExtension([OID.clientAuth]),
  ];
  if (options.criticalAki) {
    // Windows' "SCEP Protocol Certificate" carries a critical AKI (smallstep PR #1994).
    const aki = authorityKeyIdentifierExtension(keyIdentifierOfSpki(spkiDer));
    const parsed = pkijs.Extension.fromBER(toArrayBuffer(aki));
    parsed.critical = true;
    extensions.push(toBytes(parsed.toSchema().toBER()));
  }
  const der = signCertificate({
    serial: randomSerial(randomBytes),
    issuerDer: nameDer,
    subjectDer: nameDer,
    spkiDer,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 7 * 86400_000),
    extensions,
    signer: key,
    hash: "sha256",
  });
  return parseCertificate(der);
}
