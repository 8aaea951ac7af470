// What an honoured request may change in its certificate (src/ca/requested-usage.ts): key usage and
// extended key usage within the profile's allow-lists, the validity Windows and Android send as
// enrollment name-value pairs, refusals with reasons, and the caps issueCertificate applies.
// Request extensions are written with asn1js, not src/asn1, so a shared bug cannot hide.
import * as asn1js from "asn1js";
import { describe, expect, it } from "vitest";
import { OID } from "../../src/asn1/oids";
import type { NameValuePair } from "../../src/ca/csr";
import { defaultProfile, type CertificateProfile } from "../../src/ca/profiles";
import { honoursRequest, periodEnd, requestedValidity, usageFor, type RequestedUsage } from "../../src/ca/requested-usage";
import { readExtKeyUsage, readKeyUsageBits } from "../../src/x509/extensions";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const IPSEC_TUNNEL = "1.3.6.1.5.5.7.3.6";
const CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

/** KeyUsage as a DER BIT STRING: `byte` is the first octet (0x80 digitalSignature … 0x04 keyCertSign). */
function ku(byte: number, unusedBits = 0, second?: number): { oid: string; critical: boolean; value: Uint8Array } {
  const bytes = second === undefined ? [byte] : [byte, second];
  return { oid: OID.keyUsage, critical: true, value: new Uint8Array(new asn1js.BitString({ valueHex: new Uint8Array(bytes), unusedBits }).toBER()) };
}

function eku(...oids: string[]) {
  const value = new asn1js.Sequence({ value: oids.map((o) => new asn1js.ObjectIdentifier({ value: o })) });
  return { oid: OID.extKeyUsage, critical: false, value: new Uint8Array(value.toBER()) };
}

function request(o: Partial<RequestedUsage> = {}): RequestedUsage {
  return { extensions: [], nameValuePairs: [], algorithm: "rsa", ...o };
}

const profile = (over: Partial<CertificateProfile> = {}): CertificateProfile => ({ ...defaultProfile(365, 0), name: "intune", ...over });

function refusal(p: CertificateProfile, r: RequestedUsage): string {
  const out = usageFor(p, r, true);
  if (out.ok) throw new Error("expected a refusal");
  return out.reason;
}

describe("honoursRequest: whose requests a profile honours", () => {
  it.each([
    ["intune", true, true],
    ["intune", false, false],
    ["always", false, true],
    ["never", true, false],
  ] as const)("honourRequest %s, Intune-validated %s → %s", (honourRequest, intuneValidated, expected) => {
    expect(honoursRequest(profile({ honourRequest }), { intuneValidated })).toBe(expected);
  });
});

describe("key usage", () => {
  it("a request that is not honoured gets the profile's usages, whatever it asks for", () => {
    const out = usageFor(profile(), request({ extensions: [ku(0x04, 2), eku(CODE_SIGNING)] }), false);
    expect(out).toEqual({ ok: true, usage: { keyUsage: ["digitalSignature", "keyEncipherment"], extendedKeyUsage: [CLIENT_AUTH], fromRequest: [] } });
  });

  it.each([
    ["digital signature only (Intune KeyUsage 0x80)", 0x80, 7, ["digitalSignature"]],
    ["key encipherment only (0x20)", 0x20, 5, ["keyEncipherment"]],
    ["both (0xA0)", 0xa0, 5, ["digitalSignature", "keyEncipherment"]],
  ])("%s is issued exactly as asked", (_name, byte, unused, expected) => {
    const out = usageFor(profile(), request({ extensions: [ku(byte, unused)] }), true);
    expect(out.ok && out.usage.keyUsage).toEqual(expected);
    expect(out.ok && out.usage.fromRequest).toEqual(["keyUsage"]);
  });

  it("a usage outside allowedKeyUsage is refused with the list; allowed once the profile lists it", () => {
    expect(refusal(profile(), request({ extensions: [ku(0xc0, 6)] }))).toBe(
      'key usage nonRepudiation is not allowed by profile "intune" (allowedKeyUsage: digitalSignature, keyEncipherment)',
    );
    const wider = profile({ allowedKeyUsage: ["digitalSignature", "nonRepudiation"] });
    const out = usageFor(wider, request({ extensions: [ku(0xc0, 6)] }), true);
    expect(out.ok && out.usage.keyUsage).toEqual(["digitalSignature", "nonRepudiation"]);
  });

  it.each([
    ["keyCertSign", 0x84, 2],
    ["cRLSign", 0x82, 1],
  ])("%s is never issued, whatever the profile allows", (name, byte, unused) => {
    expect(refusal(profile(), request({ extensions: [ku(byte, unused)] }))).toBe(`key usage ${name} is never issued to an enrolled device`);
  });

  it("decipherOnly (bit 8, a second octet) is never issued either", () => {
    expect(refusal(profile(), request({ extensions: [ku(0x08, 7, 0x80)] }))).toBe(
      'key usage keyAgreement is not allowed by profile "intune" (allowedKeyUsage: digitalSignature, keyEncipherment)',
    );
    const agreement = profile({ allowedKeyUsage: ["keyAgreement"] });
    expect(refusal(agreement, request({ extensions: [ku(0x08, 7, 0x80)] }))).toBe("key usage decipherOnly is never issued to an enrolled device");
  });

  it("an EC key asking for key encipherment is refused (RFC 5480 §3)", () => {
    expect(refusal(profile(), request({ algorithm: "ec", extensions: [ku(0x20, 5)] }))).toBe("key usage keyEncipherment is not issued for an EC key");
  });

  it("a KeyUsage with no bit set, or not a BIT STRING, is refused", () => {
    expect(refusal(profile(), request({ extensions: [ku(0x00, 0)] }))).toBe("the requested key usage asserts no usage (RFC 5280 §4.2.1.3)");
    const notBits = { oid: OID.keyUsage, critical: true, value: Uint8Array.of(0x04, 0x01, 0xa0) };
    expect(refusal(profile(), request({ extensions: [notBits] }))).toMatch(
      /^the requested key usage is not a valid KeyUsage \(KeyUsage is not a BIT STRING\)$/,
    );
  });

  it("readKeyUsageBits reads bit numbers from the most significant bit, unused bits ignored", () => {
    expect(readKeyUsageBits(ku(0xa0, 5).value)).toEqual([0, 2]);
    expect(readKeyUsageBits(ku(0x80, 0, 0x80).value)).toEqual([0, 8]);
    expect(() => readKeyUsageBits(Uint8Array.of(0x03, 0x02, 0x08, 0xff))).toThrow(/malformed KeyUsage/);
  });
});

describe("extended key usage", () => {
  it("IPsec tunnel and client authentication are issued as asked, in order, repeats once", () => {
    const out = usageFor(profile(), request({ extensions: [eku(IPSEC_TUNNEL, CLIENT_AUTH, IPSEC_TUNNEL)] }), true);
    expect(out.ok && out.usage.extendedKeyUsage).toEqual([IPSEC_TUNNEL, CLIENT_AUTH]);
  });

  it("a purpose outside allowedExtendedKeyUsage is refused, named", () => {
    expect(refusal(profile(), request({ extensions: [eku(CLIENT_AUTH, CODE_SIGNING)] }))).toBe(
      'extended key usage 1.3.6.1.5.5.7.3.3 (codeSigning) is not allowed by profile "intune" (allowedExtendedKeyUsage)',
    );
  });

  it.each([
    ["2.5.29.37.0", "2.5.29.37.0 (anyExtendedKeyUsage)"],
    ["1.3.6.1.5.5.7.3.9", "1.3.6.1.5.5.7.3.9 (OCSPSigning)"],
  ])("%s is never issued (Intune's 'Any Purpose' included)", (oid, text) => {
    const anything = profile({ allowedExtendedKeyUsage: [oid] });
    expect(refusal(anything, request({ extensions: [eku(oid)] }))).toBe(`extended key usage ${text} is never issued to an enrolled device`);
  });

  it("an empty or non-DER SEQUENCE is refused", () => {
    expect(refusal(profile(), request({ extensions: [eku()] }))).toMatch(/not a valid ExtKeyUsageSyntax \(malformed ExtKeyUsageSyntax\)/);
    const padded = { oid: OID.extKeyUsage, critical: false, value: Uint8Array.of(0x30, 0x04, 0x06, 0x02, 0x80, 0x01) };
    expect(refusal(profile(), request({ extensions: [padded] }))).toMatch(/OBJECT IDENTIFIER not in DER/);
    expect(readExtKeyUsage(eku(CLIENT_AUTH).value)).toEqual([CLIENT_AUTH]);
  });
});

describe("validity (enrollment name-value pairs, [MS-WCCE] §2.2.2.7.10)", () => {
  const pairs = (...p: [string, string][]): NameValuePair[] => p.map(([name, value]) => ({ name, value }));

  it.each([
    [
      "Windows: ValidityPeriod Days, ValidityPeriodUnits 30",
      pairs(["ValidityPeriod", "Days"], ["ValidityPeriodUnits", "30"]),
      { count: 30, unit: "days" },
    ],
    ["Android: the two values swapped", pairs(["ValidityPeriod", "30"], ["ValidityPeriodUnits", "Days"]), { count: 30, unit: "days" }],
    ["Months", pairs(["ValidityPeriod", "Months"], ["ValidityPeriodUnits", "6"]), { count: 6, unit: "months" }],
    ["Years, names in any case", pairs(["validityperiod", "years"], ["VALIDITYPERIODUNITS", "2"]), { count: 2, unit: "years" }],
    ["a count without a unit: Days (the CSP's default)", pairs(["ValidityPeriodUnits", "5"]), { count: 5, unit: "days" }],
    ["a count of 0: not set (the CSP's default)", pairs(["ValidityPeriod", "Days"], ["ValidityPeriodUnits", "0"]), undefined],
    ["no pairs", [], undefined],
    ["other pairs only", pairs(["CertificateTemplate", "User"]), undefined],
  ])("%s", (_name, p, expected) => {
    expect(requestedValidity(p)).toEqual(expected);
  });

  it.each([
    [
      pairs(["ValidityPeriod", "Fortnights"], ["ValidityPeriodUnits", "2"]),
      'the requested validity period unit "Fortnights" is not Days, Weeks, Months or Years',
    ],
    [pairs(["ValidityPeriod", "Days"], ["ValidityPeriodUnits", "-3"]), 'the requested validity period count "-3" is not a whole number'],
    [pairs(["ValidityPeriodUnits", "30"], ["ValidityPeriodUnits", "31"]), "the request names two different validity periods"],
  ])("refused: %o", (p, reason) => {
    expect(requestedValidity(p)).toBe(reason);
    expect(refusal(profile(), request({ nameValuePairs: p }))).toBe(reason);
  });

  it("periodEnd counts months and years on the UTC calendar", () => {
    const now = new Date("2026-01-15T10:00:00Z");
    expect(periodEnd(now, { count: 30, unit: "days" }).toISOString()).toBe("2026-02-14T10:00:00.000Z");
    expect(periodEnd(now, { count: 2, unit: "weeks" }).toISOString()).toBe("2026-01-29T10:00:00.000Z");
    expect(periodEnd(now, { count: 6, unit: "months" }).toISOString()).toBe("2026-07-15T10:00:00.000Z");
    expect(periodEnd(now, { count: 1, unit: "years" }).toISOString()).toBe("2027-01-15T10:00:00.000Z");
  });
});
