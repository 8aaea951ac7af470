// Client-side building blocks of an enrollment: a PKCS#10 with challengePassword and SANs, and the
// self-signed signer certificate SCEP clients use before they hold a certificate (RFC 8894 §2.3).
// A client writes what it is asked to: names are not checked here (the server's policy decides).
import { TAG, tlv } from "../asn1/der";
import { OID } from "../asn1/oids";
import { isPrintable } from "../asn1/strings";
import type { HashName } from "../crypto/algorithms";
import { spkiOfPrivateKey, type PrivateKeyHandle } from "../crypto/keys";
import { utf8 } from "../util/bytes";
import { signCertificate } from "../x509/cert-builder";
import { parseCertView, type CertView } from "../x509/cert-view";
import { buildCsr as buildPkcs10 } from "../x509/csr-builder";
import {
  authorityKeyIdentifierExtension,
  extKeyUsageExtension,
  keyIdentifierOfSpki,
  keyUsageExtension,
  subjectAltNameExtension,
} from "../x509/extensions";
import { encodeName, simpleName, type SimpleName } from "../x509/name";
import { wholeSeconds } from "../x509/time";

export type { SimpleName } from "../x509/name";

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

export function nameDer(subject: SimpleName | Uint8Array): Uint8Array {
  return subject instanceof Uint8Array ? subject : encodeName(simpleName(subject));
}

export function buildCsr(input: CsrInput): Uint8Array {
  let challengeDer: Uint8Array | undefined;
  if (input.challenge !== undefined) {
    const encoding = input.challengeEncoding ?? (isPrintable(input.challenge) ? "printable" : "utf8");
    challengeDer = tlv(encoding === "utf8" ? TAG.UTF8_STRING : TAG.PRINTABLE_STRING, utf8(input.challenge));
  }
  // dNSName [2] IA5String, written as given (RFC 5280 §4.2.1.6).
  const san = input.dnsNames?.length ? [subjectAltNameExtension(tlv(TAG.SEQUENCE, ...input.dnsNames.map((d) => tlv(0x82, utf8(d)))), false)] : [];
  return buildPkcs10({ key: input.key, subjectDer: nameDer(input.subject), challengeDer, extensions: san, hash: input.hash ?? "sha256" });
}

/** Self-signed signer certificate for the request's key (subject as the client chooses), valid from now-1h for 7 days. */
export function selfSignedSigner(
  key: PrivateKeyHandle,
  subject: SimpleName | Uint8Array,
  now: Date,
  randomBytes: (n: number) => Uint8Array,
  options: { criticalAki?: boolean } = {},
): CertView {
  const subjectDer = nameDer(subject);
  const spkiDer = spkiOfPrivateKey(key);
  const extensions: Uint8Array[] = [keyUsageExtension(["digitalSignature", "keyEncipherment"]), extKeyUsageExtension([OID.clientAuth])];
  // Windows' "SCEP Protocol Certificate" carries a critical AKI (smallstep PR #1994).
  if (options.criticalAki) extensions.push(authorityKeyIdentifierExtension(keyIdentifierOfSpki(spkiDer), true));
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, minimal (RFC 5280 §4.1.2.2)
  const der = signCertificate({
    serial,
    issuerDer: subjectDer,
    subjectDer,
    spkiDer,
    notBefore: wholeSeconds(new Date(now.getTime() - 3600_000)),
    notAfter: wholeSeconds(new Date(now.getTime() + 7 * 86400_000)),
    extensions,
    signer: key,
    hash: "sha256",
  });
  return parseCertView(der);
}
