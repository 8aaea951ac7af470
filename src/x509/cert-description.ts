// A certificate decoded for people (the admin console's detail page): names, validity, key,
// signature algorithm and each extension in words. Read with the same DER readers as everything
// else; an extension this module does not know is listed by its OID, and a malformed one is shown
// as such instead of failing the page.
import { children, content, readTlv, TAG, type Tlv } from "../asn1/der";
import { decodeOid } from "../asn1/oid";
import { OID } from "../asn1/oids";
import { publicKeyFromSpki } from "../crypto/keys";
import { bytesToHex } from "../util/bytes";
import { parseCertView } from "./cert-view";
import { generalNameText, parseGeneralNames } from "./general-names";
import { nameDerToText } from "./name";

export interface CertificateDescription {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  signatureAlgorithm: string;
  publicKey: string;
  extensions: { name: string; critical: boolean; value: string }[];
}

const OID_NAMES: ReadonlyMap<string, string> = new Map([
  ...Object.entries(OID).map(([name, oid]) => [oid, name] as [string, string]),
  ["1.3.6.1.5.5.7.3.3", "codeSigning"],
  ["1.3.6.1.5.5.7.3.4", "emailProtection"],
  ["1.3.6.1.5.5.7.3.17", "ipsecIKE"],
  ["1.3.6.1.4.1.311.20.2.2", "smartcardLogon"],
]);
const KEY_USAGE_BITS = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

function oidName(oid: string): string {
  return OID_NAMES.get(oid) ?? oid;
}

export function describeCertificate(der: Uint8Array): CertificateDescription {
  const view = parseCertView(der);
  return {
    subject: nameDerToText(view.subjectDer),
    issuer: nameDerToText(view.issuerDer),
    serial: bytesToHex(view.serial).toUpperCase(),
    notBefore: view.notBefore.toISOString(),
    notAfter: view.notAfter.toISOString(),
    signatureAlgorithm: oidName(view.signatureAlgorithmOid),
    publicKey: publicKeyText(view.spkiDer),
    extensions: extensionList(der).map(({ oid, critical, value }) => ({ name: oidName(oid), critical, value: extensionText(oid, value) })),
  };
}

function publicKeyText(spki: Uint8Array): string {
  try {
    const key = publicKeyFromSpki(spki);
    const d = key.asymmetricKeyDetails;
    if (key.asymmetricKeyType === "rsa") return `RSA ${d?.modulusLength ?? "?"} bits, e = ${d?.publicExponent ?? "?"}`;
    if (key.asymmetricKeyType === "ec") return `EC ${d?.namedCurve ?? "?"}`;
    return key.asymmetricKeyType ?? "unknown";
  } catch {
    return "unreadable";
  }
}

function extensionList(der: Uint8Array): { oid: string; critical: boolean; value: Uint8Array }[] {
  const tbs = children(der, readTlv(der, 0))[0]!;
  const wrapper = children(der, tbs).find((f) => f.tag === 0xa3); // extensions [3] EXPLICIT
  if (!wrapper) return [];
  return children(der, children(der, wrapper)[0]!).map((ext) => {
    const parts = children(der, ext);
    const critical = parts.length === 3 && der[parts[1]!.contentStart] !== 0;
    return { oid: decodeOid(content(der, parts[0]!)), critical, value: content(der, parts[parts.length - 1]!) };
  });
}

function extensionText(oid: string, value: Uint8Array): string {
  try {
    const top = readTlv(value, 0);
    switch (oid) {
      case OID.subjectAltName:
        return parseGeneralNames(value).map(generalNameText).join(", ");
      case OID.keyUsage: {
        const bits = content(value, top);
        const names = KEY_USAGE_BITS.filter((_, i) => ((bits[1 + (i >> 3)] ?? 0) & (0x80 >> (i & 7))) !== 0);
        return names.join(", ");
      }
      case OID.extKeyUsage:
        return children(value, top)
          .map((t) => oidName(decodeOid(content(value, t))))
          .join(", ");
      case OID.basicConstraints: {
        const parts = children(value, top);
        const ca = parts[0]?.tag === TAG.BOOLEAN && value[parts[0].contentStart] !== 0;
        const path = parts.find((p) => p.tag === TAG.INTEGER);
        return `CA: ${ca ? "true" : "false"}${path ? `, pathLen ${bytesToHex(content(value, path))}` : ""}`;
      }
      case OID.subjectKeyIdentifier:
        return bytesToHex(content(value, top)).toUpperCase();
      case OID.authorityKeyIdentifier: {
        const keyId = children(value, top).find((t) => t.tag === 0x80);
        return keyId ? bytesToHex(content(value, keyId)).toUpperCase() : "(no key identifier)";
      }
      case OID.crlDistributionPoints:
      case OID.authorityInfoAccess:
        return uris(value, top).join(", ") || "(no URI)";
      default:
        return `${value.length} bytes`;
    }
  } catch {
    return "(malformed)";
  }
}

/** Every uniformResourceIdentifier ([6] IMPLICIT IA5String, RFC 5280 §4.2.1.6) nested in a value. */
function uris(der: Uint8Array, tlv: Tlv): string[] {
  if (tlv.tag === 0x86) return [new TextDecoder().decode(content(der, tlv))];
  if ((tlv.tag & 0x20) === 0) return [];
  return children(der, tlv).flatMap((c) => uris(der, c));
}
