// The CSR each Intune platform builds from a SCEP certificate profile, as far as that is documented,
// written with asn1js and node:crypto (no src/ code, so a bug in the server's DER cannot hide in the
// request too). Every quirk names its source; "assumed" marks what no source shows, and
// docs/intune-matrix.md lists the rows a real device must confirm.
//
// | quirk                        | Windows                         | iOS / macOS                            | Android, Android Enterprise   |
// | ---------------------------- | ------------------------------- | -------------------------------------- | ----------------------------- |
// | subject strings              | PrintableString, else BMPString | Printable, else IA5 (ASCII), else UTF8 | UTF8String, C PrintableString |
// | emailAddress (E)             | IA5String                       | IA5String ("@" is not Printable)       | IA5String                     |
// | key usage extension          | yes (CSP KeyUsage)              | yes (payload KeyUsage 1/4/5)           | yes (assumed)                 |
// | extended key usage extension | yes (CSP EKUMapping)            | no (the payload has no EKU key)        | yes (assumed)                 |
// | validity name-value pairs    | ValidityPeriod, …Units          | none                                   | the two values swapped        |
// | CSR signature hash           | the profile's (CSP)             | SHA-1 (the source below)               | the profile's                 |
// | SID URI SAN added by Intune  | yes                             | yes                                    | no                            |
//
// Sources: ClientCertificateInstall CSP (Windows: KeyUsage, EKUMapping, HashAlgorithm, ValidPeriod,
// ValidPeriodUnits, SubjectName "see CertStrToName", whose default without
// CERT_NAME_STR_ENABLE_UTF8_UNICODE_FLAG is BMPString for what PrintableString cannot hold); Apple's
// SCEP payload (Subject, SubjectAltName with rfc822Name/dNSName/uniformResourceIdentifier/
// ntPrincipalName, Keysize, KeyUsage: 1 signing, 4 encryption, 5 both; no EKU, no validity) and
// Apple's Security framework, SecCertificateRequest.c (apple-open-source/macos: string types in
// make_nss_atv, the challenge as PrintableString else UTF8String, KeyUsage bits, sha1WithRSA; newer
// releases may sign with SHA-256, which the rows of the other platforms cover);
// Bouncy Castle's BCStyle (C as PrintableString, E as IA5String, the rest UTF8String: assumed to be
// what the Intune Android apps use); Microsoft Learn "Create and assign SCEP certificate profiles"
// (the SID URI on iOS/iPadOS, macOS and Windows; hash only on Android and Windows; "For iOS/iPadOS
// and macOS, always use a value set in the template"); Intune-Resource-Access issue #162 (the
// validity pairs, Android's swap). The enrollment name-value pairs go in one attribute on Windows and
// one attribute each on Android: neither is documented, and the server reads both.
import { createPublicKey, sign, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { ChallengeOptions } from "../../fakes/microsoft/fake";

export type Platform = "windows" | "ios" | "macos" | "android" | "android-enterprise";
export const PLATFORMS: readonly Platform[] = ["windows", "ios", "macos", "android", "android-enterprise"];

export interface Traits {
  /** The CSR carries the profile's extended key usages. */
  ekus: boolean;
  /** The CSR carries the profile's validity (enrollment name-value pairs). */
  validity: "pairs" | "swapped" | "none";
  /** The profile's hash algorithm applies (the matrix marks SHA rows N/A for iOS and macOS). */
  hashSetting: boolean;
  /** Intune adds the user's SID as a SAN URI (KB5014754 strong mapping). */
  sidUri: boolean;
  strings: "windows" | "apple" | "bc";
  /** RSAES-OAEP key transport in the pkiMessage (docs/conformance.md, Windows). */
  oaep: boolean;
}

export const TRAITS: Readonly<Record<Platform, Traits>> = {
  windows: { ekus: true, validity: "pairs", hashSetting: true, sidUri: true, strings: "windows", oaep: true },
  ios: { ekus: false, validity: "none", hashSetting: false, sidUri: true, strings: "apple", oaep: false },
  macos: { ekus: false, validity: "none", hashSetting: false, sidUri: true, strings: "apple", oaep: false },
  android: { ekus: true, validity: "swapped", hashSetting: true, sidUri: false, strings: "bc", oaep: false },
  "android-enterprise": { ekus: true, validity: "swapped", hashSetting: true, sidUri: false, strings: "bc", oaep: false },
};

export type SanType = "email" | "upn" | "dns" | "uri";
export type KeyUsageSetting = "digitalSignature" | "keyEncipherment" | "both";

/** The settings of an Intune SCEP certificate profile, with its variables already filled in. */
export interface IntuneProfile {
  /** Subject RDNs in the order the profile writes them: CN, E, OU, O, L, ST, C, SERIALNUMBER. */
  subject: [string, string][];
  sans: [SanType, string][];
  keyUsage: KeyUsageSetting;
  keyBits: number;
  hash: "sha1" | "sha256";
  ekus: string[];
  validity: { period: "Days" | "Months" | "Years"; units: number };
  /** The user's on-premises SID, when the profile is for a user synchronised from AD. */
  userSid?: string;
}

const ATTRIBUTE_OIDS: Readonly<Record<string, string>> = {
  CN: "2.5.4.3",
  E: "1.2.840.113549.1.9.1",
  OU: "2.5.4.11",
  O: "2.5.4.10",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  C: "2.5.4.6",
  SERIALNUMBER: "2.5.4.5",
};
const KU_BYTE: Readonly<Record<KeyUsageSetting, number>> = { digitalSignature: 0x80, keyEncipherment: 0x20, both: 0xa0 };
const SID_URI_PREFIX = "tag:microsoft.com,2022-09-14:sid:";

/** The SANs the device asks for: the profile's, and the SID URI where Intune adds it. */
export function sansOf(platform: Platform, profile: IntuneProfile): [SanType, string][] {
  return TRAITS[platform].sidUri && profile.userSid ? [...profile.sans, ["uri", `${SID_URI_PREFIX}${profile.userSid}`]] : profile.sans;
}

/** What the Microsoft fake checks in validateRequest: what the Intune profile told the device to ask for. */
export function expectations(platform: Platform, profile: IntuneProfile): ChallengeOptions {
  const t = TRAITS[platform];
  return {
    expectedSubject: profile.subject.map(([k, v]) => `${k}=${v}`).join(","),
    ...(sansOf(platform, profile).length ? { expectedSans: sansOf(platform, profile).map(([k, v]) => `${k}:${v}`) } : {}),
    keyBits: profile.keyBits,
    keyUsageBits: KU_BYTE[profile.keyUsage] << 8,
    ...(t.ekus ? { ekus: profile.ekus } : {}),
    ...(t.validity !== "none" ? { validity: profile.validity } : {}),
  };
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function directoryString(platform: Platform, label: string, value: string): asn1js.AsnType {
  const strings = TRAITS[platform].strings;
  if (strings === "apple") {
    if (PRINTABLE.test(value)) return new asn1js.PrintableString({ value });
    return /^[\x00-\x7f]*$/.test(value) ? new asn1js.IA5String({ value }) : new asn1js.Utf8String({ value });
  }
  if (label === "E") return new asn1js.IA5String({ value });
  if (strings === "windows" || (strings === "bc" && (label === "C" || label === "SERIALNUMBER"))) {
    return PRINTABLE.test(value) ? new asn1js.PrintableString({ value }) : new asn1js.BmpString({ value });
  }
  return new asn1js.Utf8String({ value });
}

function subjectName(platform: Platform, profile: IntuneProfile): asn1js.Sequence {
  const rdns = profile.subject.map(
    ([label, value]) =>
      new asn1js.Set({
        value: [
          new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: ATTRIBUTE_OIDS[label]! }), directoryString(platform, label, value)] }),
        ],
      }),
  );
  return new asn1js.Sequence({ value: rdns });
}

function generalName(type: SanType, value: string): asn1js.AsnType {
  const ia5 = (tag: number) => new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: tag }, valueHex: new TextEncoder().encode(value) });
  if (type === "email") return ia5(1);
  if (type === "dns") return ia5(2);
  if (type === "uri") return ia5(6);
  // otherName [0] { type-id szOID_NT_PRINCIPAL_NAME, [0] EXPLICIT UTF8String } (Microsoft's UPN).
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 0 },
    value: [
      new asn1js.ObjectIdentifier({ value: "1.3.6.1.4.1.311.20.2.3" }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Utf8String({ value })] }),
    ],
  });
}

function extension(oid: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID: oid, critical, extnValue: value.toBER() });
}

function nameValuePair(name: string, value: string): asn1js.Sequence {
  return new asn1js.Sequence({ value: [new asn1js.BmpString({ value: name }), new asn1js.BmpString({ value })] });
}

/** The hash of the CSR's signature: the profile's where it has a say, else Apple's SHA-1. */
export function csrHash(platform: Platform, profile: IntuneProfile): "sha1" | "sha256" {
  return TRAITS[platform].hashSetting ? profile.hash : "sha1";
}

/** The PKCS#10 `platform` sends for `profile`, with Intune's challenge, signed by `key`. */
export function platformCsr(platform: Platform, profile: IntuneProfile, key: KeyObject, challenge: string): Uint8Array {
  const t = TRAITS[platform];
  const ku = KU_BYTE[profile.keyUsage];
  const extensions = [extension("2.5.29.15", true, new asn1js.BitString({ valueHex: Uint8Array.of(ku).buffer, unusedBits: ku === 0x80 ? 7 : 5 }))];
  if (t.ekus && profile.ekus.length) {
    extensions.push(
      extension("2.5.29.37", false, new asn1js.Sequence({ value: profile.ekus.map((e) => new asn1js.ObjectIdentifier({ value: e })) })),
    );
  }
  const sans = sansOf(platform, profile);
  if (sans.length) extensions.push(extension("2.5.29.17", false, new asn1js.Sequence({ value: sans.map(([k, v]) => generalName(k, v)) })));
  const attributes = [
    // Intune's challenge is base64: PrintableString for every platform (Apple's choice by its source; the others assumed).
    new pkijs.Attribute({ type: "1.2.840.113549.1.9.7", values: [new asn1js.PrintableString({ value: challenge })] }),
    new pkijs.Attribute({ type: "1.2.840.113549.1.9.14", values: [new pkijs.Extensions({ extensions }).toSchema()] }),
  ];
  const { period, units } = profile.validity;
  if (t.validity === "pairs") {
    attributes.push(
      new pkijs.Attribute({
        type: "1.3.6.1.4.1.311.13.2.1",
        values: [nameValuePair("ValidityPeriod", period), nameValuePair("ValidityPeriodUnits", String(units))],
      }),
    );
  } else if (t.validity === "swapped") {
    attributes.push(new pkijs.Attribute({ type: "1.3.6.1.4.1.311.13.2.1", values: [nameValuePair("ValidityPeriod", String(units))] }));
    attributes.push(new pkijs.Attribute({ type: "1.3.6.1.4.1.311.13.2.1", values: [nameValuePair("ValidityPeriodUnits", period)] }));
  }
  const csr = new pkijs.CertificationRequest();
  csr.subject = new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(subjectName(platform, profile).toBER()).result });
  csr.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" })));
  csr.attributes = attributes;
  const hash = csrHash(platform, profile);
  const tbs = new Uint8Array((csr as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  csr.tbsView = tbs;
  csr.signatureAlgorithm = new pkijs.AlgorithmIdentifier({
    algorithmId: hash === "sha1" ? "1.2.840.113549.1.1.5" : "1.2.840.113549.1.1.11",
    algorithmParams: new asn1js.Null(),
  });
  csr.signatureValue = new asn1js.BitString({ valueHex: new Uint8Array(sign(hash, tbs, key)).buffer });
  return new Uint8Array(csr.toSchema().toBER());
}
