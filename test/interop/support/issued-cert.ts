// An issued certificate as two parsers independent of src/ read it: node's X509Certificate (OpenSSL
// inside Node) for subject, SANs, EKUs, validity and key size, and the openssl command for key usage
// and the signature algorithm, which X509Certificate does not show.
import { X509Certificate } from "node:crypto";
import { certPem } from "../../../src/client/certificates";
import { openssl } from "./admin-client";

export interface IssuedView {
  /** RDNs in DER order as OpenSSL labels them ("CN=…", "emailAddress=…", "serialNumber=…"). */
  subject: string[];
  /** "email:…", "upn:…", "dns:…", "uri:…", sorted. */
  sans: string[];
  /** openssl's names: "Digital Signature", "Key Encipherment", … */
  keyUsage: string[];
  keyUsageCritical: boolean;
  /** Extended key usage OIDs, in order. */
  ekus: string[];
  notBefore: Date;
  notAfter: Date;
  keyBits: number;
  signatureAlgorithm: string;
  /** SHA-1 thumbprint, uppercase hex (what a successNotification reports). */
  thumbprint: string;
  serial: string;
}

/** Node's subjectAltName text: `type:value` entries separated by ", ", values with commas JSON-quoted. */
function sanList(text: string | undefined): string[] {
  const out: string[] = [];
  for (const m of (text ?? "").matchAll(/([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    if (!m[1]) continue;
    const value = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    const type = m[1].toLowerCase();
    if (type === "othername" && value.startsWith("UPN:")) out.push(`upn:${value.slice(4)}`);
    else out.push(`${type}:${value}`);
  }
  return out.sort();
}

export async function viewIssued(der: Uint8Array): Promise<IssuedView> {
  const x = new X509Certificate(Buffer.from(der));
  const text = (await openssl(["x509", "-noout", "-text"], { input: certPem(der) })).stdout;
  const ku = /X509v3 Key Usage:( critical)?\s*\n\s*([^\n]+)\n/.exec(text);
  return {
    subject: x.subject ? x.subject.split("\n") : [],
    sans: sanList(x.subjectAltName),
    keyUsage: ku ? ku[2]!.split(", ").map((u) => u.trim()) : [],
    keyUsageCritical: ku?.[1] !== undefined,
    ekus: x.keyUsage ?? [],
    notBefore: x.validFromDate,
    notAfter: x.validToDate,
    keyBits: x.publicKey.asymmetricKeyDetails?.modulusLength ?? 0,
    signatureAlgorithm: /Signature Algorithm: (\S+)/.exec(text)?.[1] ?? "",
    thumbprint: x.fingerprint.replace(/:/g, ""),
    serial: x.serialNumber.toUpperCase(),
  };
}

/** OpenSSL's subject labels for the Intune profile's: what the certificate must show for `CN=…,E=…`. */
export const OPENSSL_LABEL: Readonly<Record<string, string>> = {
  CN: "CN",
  E: "emailAddress",
  OU: "OU",
  O: "O",
  L: "L",
  ST: "ST",
  C: "C",
  SERIALNUMBER: "serialNumber",
};

/** openssl's key usage names for Intune's settings. */
export const OPENSSL_KEY_USAGE: Readonly<Record<string, string[]>> = {
  digitalSignature: ["Digital Signature"],
  keyEncipherment: ["Key Encipherment"],
  both: ["Digital Signature", "Key Encipherment"],
};
