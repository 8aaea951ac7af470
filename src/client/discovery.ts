// What a client learns before it enrolls (RFC 8894 §3.5, §4.2): the capabilities, the CA and RA
// certificates, who to encrypt to, and which algorithms to use.
import type { HashName } from "../crypto/algorithms";
import { digestHex } from "../crypto/digest";
import type { ContentCipherName } from "../scep/content-cipher";
import { bytesEqual } from "../util/bytes";
import { isCaCertificate } from "../x509/cert-extensions";
import { parseCertView, type CertView } from "../x509/cert-view";
import { nameDerToText } from "../x509/name";
import { getCaCaps, getCaCert, type ClientOptions } from "./scep-client";

export const CIPHERS: ContentCipherName[] = ["aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "des-ede3-cbc", "des-cbc"];
export const HASHES: HashName[] = ["sha1", "sha256", "sha384", "sha512"];
export const FAIL_INFO_NAMES: Readonly<Record<number, string>> = { 0: "badAlg", 1: "badMessageCheck", 2: "badRequest", 3: "badTime", 4: "badCertId" };

export interface CaCertInfo {
  der: Uint8Array;
  cert: CertView;
  /** Lower-case hex SHA-256 of the DER. */
  sha256: string;
  subject: string;
  isCa: boolean;
}

export interface CaDiscovery {
  contentType: string;
  certs: CaCertInfo[];
  /** The issuing CA (the CA certificate among GetCACert's, or the only certificate). */
  ca: CaCertInfo;
  /** The RA, when GetCACert returned a non-CA certificate. */
  ra?: CaCertInfo;
  /** Who the request envelope is encrypted to: the RA if there is one, else the CA. */
  recipients: CertView[];
}

export function describeCaCerts(contentType: string, ders: Uint8Array[]): CaDiscovery {
  if (ders.length === 0) throw new Error("GetCACert returned no certificate");
  const certs = ders.map((der) => {
    const cert = parseCertView(der);
    return { der, cert, sha256: digestHex("sha256", der), subject: nameDerToText(cert.subjectDer), isCa: isCaCertificate(der) };
  });
  // RFC 8894 §4.2.1.2: with x-x509-ca-ra-cert the RA comes first and is not a CA.
  const ra = certs.length > 1 ? certs.find((c) => !c.isCa) : undefined;
  let ca = certs[0]!;
  if (ra) ca = certs.find((c) => c.isCa && bytesEqual(c.cert.subjectDer, ra.cert.issuerDer)) ?? certs.find((c) => c.isCa) ?? ca;
  return { contentType, certs, ca, ra, recipients: [(ra ?? ca).cert] };
}

export async function discoverCa(opts: ClientOptions): Promise<CaDiscovery & { caps: string[] }> {
  const caps = await getCaCaps(opts);
  const { contentType, certificates } = await getCaCert(opts);
  return { caps, ...describeCaCerts(contentType, certificates) };
}

/** Default cipher and digest from GetCACaps, the way a modern client chooses. */
export function chooseAlgorithms(caps: string[]): { cipher: ContentCipherName; hash: HashName; transport: "POST" | "GET" } {
  const has = (c: string) => caps.some((x) => x.toLowerCase() === c.toLowerCase());
  const cipher: ContentCipherName = has("AES") || has("SCEPStandard") ? "aes-128-cbc" : has("DES3") ? "des-ede3-cbc" : "des-cbc";
  const hash: HashName = has("SHA-256") || has("SCEPStandard") ? "sha256" : has("SHA-512") ? "sha512" : "sha1";
  const transport = has("POSTPKIOperation") || has("SCEPStandard") ? "POST" : "GET";
  return { cipher, hash, transport };
}
