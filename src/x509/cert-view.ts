// A read-only view of a DER X.509 certificate as raw slices (RFC 5280 §4.1). The SCEP path needs
// only a few fields of each certificate it sees (signer, recipients), and slicing them is far
// cheaper than building pkijs objects; the slices are byte-exact for echoing and comparing.
import { createHash, type KeyObject } from "node:crypto";
import { publicKeyFromSpki } from "../crypto/keys";
import { children, content, decodeOid, DerError, readTlv, slice, TAG, type Tlv } from "../util/der";
import { OID } from "../scep/oids";

export interface CertView {
  der: Uint8Array;
  /** TBSCertificate, what the issuer signed. */
  tbs: Uint8Array;
  /** The serialNumber INTEGER TLV, and its value without leading zero bytes. */
  serialTlv: Uint8Array;
  serial: Uint8Array;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  signatureAlgorithmOid: string;
  signature: Uint8Array;
  /** subjectKeyIdentifier extension value, when present. */
  subjectKeyId?: Uint8Array;
  publicKey(): KeyObject;
}

export function parseCertView(der: Uint8Array): CertView {
  const cert = readTlv(der, 0);
  if (cert.tag !== TAG.SEQUENCE || cert.end !== der.length) throw new DerError("not a certificate");
  const [tbsTlv, sigAlg, sigValue] = children(der, cert);
  if (!tbsTlv || !sigAlg || !sigValue) throw new DerError("certificate: missing fields");
  const fields = children(der, tbsTlv);
  let i = 0;
  if (fields[0]?.tag === 0xa0) i++; // [0] EXPLICIT version
  const serialTlv = fields[i++];
  i++; // signature AlgorithmIdentifier
  const issuer = fields[i++];
  const validity = fields[i++];
  const subject = fields[i++];
  const spki = fields[i++];
  if (!serialTlv || serialTlv.tag !== TAG.INTEGER || !issuer || !validity || !subject || !spki) {
    throw new DerError("certificate: malformed TBSCertificate");
  }
  const [nb, na] = children(der, validity);
  if (!nb || !na) throw new DerError("certificate: malformed validity");
  const extensions = fields.slice(i).find((f) => f.tag === 0xa3);
  const sigBits = content(der, sigValue);
  let key: KeyObject | undefined;
  const spkiDer = slice(der, spki);
  return {
    der,
    tbs: slice(der, tbsTlv),
    serialTlv: slice(der, serialTlv),
    serial: stripLeadingZeros(content(der, serialTlv)),
    issuerDer: slice(der, issuer),
    subjectDer: slice(der, subject),
    spkiDer,
    notBefore: parseTime(der, nb),
    notAfter: parseTime(der, na),
    signatureAlgorithmOid: decodeOid(content(der, children(der, sigAlg)[0]!)),
    signature: sigBits.subarray(1), // drop the unused-bits octet
    subjectKeyId: extensions ? subjectKeyIdOf(der, extensions) : undefined,
    publicKey: () => (key ??= publicKeyFromSpki(spkiDer)),
  };
}

export function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

export function sha256(der: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(der).digest());
}

function subjectKeyIdOf(der: Uint8Array, extensionsWrapper: Tlv): Uint8Array | undefined {
  const list = children(der, extensionsWrapper)[0];
  if (!list) return undefined;
  for (const ext of children(der, list)) {
    const parts = children(der, ext);
    if (decodeOid(content(der, parts[0]!)) !== OID.subjectKeyIdentifier) continue;
    const value = parts[parts.length - 1]!; // extnValue OCTET STRING holding an OCTET STRING
    const inner = content(der, value);
    return content(inner, readTlv(inner, 0));
  }
  return undefined;
}

/** UTCTime (YYMMDDHHMMSSZ, RFC 5280 §4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
function parseTime(der: Uint8Array, tlv: Tlv): Date {
  const text = new TextDecoder().decode(content(der, tlv));
  const m = tlv.tag === TAG.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(text);
  if (!m) throw new DerError("certificate: unreadable time");
  let year = Number(m[1]);
  if (tlv.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}
