// What the fake Intune service reads from a PKCS#10 (RFC 2986): subject RDNs, requested SANs,
// key size, challengePassword, key usage / EKU requests and whether the self-signature holds.
// Independent of src/ on purpose: the fake must not share the code it judges.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

const OID_CHALLENGE_PASSWORD = "1.2.840.113549.1.9.7";
const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const OID_MS_EXTENSION_REQUEST = "1.3.6.1.4.1.311.2.1.14";
const OID_NAME_VALUE_PAIR = "1.3.6.1.4.1.311.13.2.1";
const OID_SAN = "2.5.29.17";
const OID_KEY_USAGE = "2.5.29.15";
const OID_EKU = "2.5.29.37";
const OID_RSA = "1.2.840.113549.1.1.1";
const OID_EC = "1.2.840.10045.2.1";

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "SERIALNUMBER",
  "1.2.840.113549.1.9.1": "E",
  "0.9.2342.19200300.100.1.25": "DC",
};

export interface InspectedCsr {
  /** RDNs in CSR order, "CN=value" each (multi-valued RDNs joined with "+"). */
  subject: string[];
  /** "dns:x", "email:x", "uri:x", "upn:x", "ip:x" — sorted. */
  sans: string[];
  sanPresent: boolean;
  keyBits: number;
  challengePassword?: string;
  keyUsageBits?: number;
  ekus?: string[];
  /** ValidityPeriod and ValidityPeriodUnits enrollment name-value pairs ([MS-WCCE] §2.2.2.7.10), as sent. */
  validity?: { period?: string; units?: string };
  signatureValid: boolean;
}

export async function inspectCsr(der: Uint8Array): Promise<InspectedCsr | undefined> {
  let csr: pkijs.CertificationRequest;
  try {
    const parsed = asn1js.fromBER(der.slice().buffer as ArrayBuffer);
    if (parsed.offset === -1 || parsed.offset !== der.length) return undefined;
    csr = new pkijs.CertificationRequest({ schema: parsed.result });
  } catch {
    return undefined;
  }
  let challengePassword: string | undefined;
  let extensions: pkijs.Extension[] = [];
  let validity: { period?: string; units?: string } | undefined;
  for (const attr of csr.attributes ?? []) {
    if (attr.type === OID_CHALLENGE_PASSWORD) {
      const value = attr.values[0] as { valueBlock?: { value?: unknown } } | undefined;
      if (typeof value?.valueBlock?.value === "string") challengePassword = value.valueBlock.value;
    } else if (attr.type === OID_EXTENSION_REQUEST || attr.type === OID_MS_EXTENSION_REQUEST) {
      try {
        extensions = new pkijs.Extensions({ schema: attr.values[0] }).extensions;
      } catch {
        return undefined;
      }
    } else if (attr.type === OID_NAME_VALUE_PAIR) {
      for (const pair of attr.values as asn1js.Sequence[]) {
        const [name, value] = (pair.valueBlock?.value ?? []) as unknown as { valueBlock: { value: string } }[];
        const key = String(name?.valueBlock.value).toLowerCase();
        if (key === "validityperiod") validity = { ...validity, period: String(value?.valueBlock.value) };
        if (key === "validityperiodunits") validity = { ...validity, units: String(value?.valueBlock.value) };
      }
    }
  }
  let signatureValid = false;
  try {
    signatureValid = await csr.verify();
  } catch {
    signatureValid = false;
  }
  const san = extensions.find((e) => e.extnID === OID_SAN);
  const ku = extensions.find((e) => e.extnID === OID_KEY_USAGE);
  const eku = extensions.find((e) => e.extnID === OID_EKU);
  return {
    subject: subjectRdns(csr.subject),
    sans: san ? sanStrings(san) : [],
    sanPresent: san !== undefined,
    keyBits: keyBits(csr.subjectPublicKeyInfo),
    ...(challengePassword !== undefined ? { challengePassword } : {}),
    ...(ku ? { keyUsageBits: keyUsageBits(ku) } : {}),
    ...(eku ? { ekus: (eku.parsedValue as pkijs.ExtKeyUsage).keyPurposes } : {}),
    ...(validity ? { validity } : {}),
    signatureValid,
  };
}

/** "CN=a, O=b" or "CN=a,O=b" → ["CN=a", "O=b"]; the fake's challenge table uses this form. */
export function normalizeSubject(text: string): string[] {
  return text
    .split(/(?<!\\),/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf("=");
      return `${part.slice(0, eq).trim().toUpperCase()}=${part.slice(eq + 1).trim()}`;
    });
}

function subjectRdns(name: pkijs.RelativeDistinguishedNames): string[] {
  // pkijs flattens multi-valued RDNs; good enough for the profiles Intune emits.
  return name.typesAndValues.map((tv) => {
    const label = SHORT_NAMES[tv.type] ?? tv.type;
    const value = (tv.value as { valueBlock: { value: unknown } }).valueBlock.value;
    return `${label}=${String(value)}`;
  });
}

function sanStrings(ext: pkijs.Extension): string[] {
  const names = (ext.parsedValue as pkijs.AltName).altNames;
  const out: string[] = [];
  for (const n of names) {
    if (n.type === 1) out.push(`email:${String(n.value)}`);
    else if (n.type === 2) out.push(`dns:${String(n.value)}`);
    else if (n.type === 6) out.push(`uri:${String(n.value)}`);
    else if (n.type === 7) out.push(`ip:${Array.from(new Uint8Array((n.value as asn1js.OctetString).valueBlock.valueHexView)).join(".")}`);
    else if (n.type === 0) out.push(`upn:${otherNameValue(n.value)}`);
    else out.push(`type${n.type}`);
  }
  return out.sort();
}

function otherNameValue(value: unknown): string {
  // otherName ::= SEQUENCE { type-id OID, [0] EXPLICIT value } — pkijs keeps it as raw ASN.1.
  try {
    const seq = value as asn1js.Sequence;
    const inner = (seq.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as unknown as { valueBlock: { value: unknown } };
    return String(inner.valueBlock.value);
  } catch {
    return "?";
  }
}

function keyBits(spki: pkijs.PublicKeyInfo): number {
  const alg = spki.algorithm.algorithmId;
  if (alg === OID_RSA) {
    const rsa = spki.parsedKey as pkijs.RSAPublicKey | undefined;
    if (!rsa) return 0;
    const modulus = new Uint8Array(rsa.modulus.valueBlock.valueHexView);
    let i = 0;
    while (i < modulus.length && modulus[i] === 0) i++;
    const first = modulus[i] ?? 0;
    return (modulus.length - i - 1) * 8 + (32 - Math.clz32(first));
  }
  if (alg === OID_EC) {
    const curve = (spki.algorithm.algorithmParams as asn1js.ObjectIdentifier | undefined)?.valueBlock.toString();
    return curve === "1.2.840.10045.3.1.7" ? 256 : curve === "1.3.132.0.34" ? 384 : curve === "1.3.132.0.35" ? 521 : 0;
  }
  return 0;
}

function keyUsageBits(ext: pkijs.Extension): number {
  const bits = ext.parsedValue as asn1js.BitString;
  const bytes = new Uint8Array(bits.valueBlock.valueHexView);
  return ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
}
