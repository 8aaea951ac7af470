// CERT_PROFILES fields that decide what a request may ask for (src/ca/profile-settings.ts): the
// defaults, the allow-lists, maxValidityDays, and weak RSA as an explicit second decision. Each bad
// value is refused at start with the setting path (the Worker answers 503 naming it).
import { describe, expect, it } from "vitest";
import { parseProfiles } from "../../src/ca/profile-settings";
import { defaultProfile } from "../../src/ca/profiles";

const base = defaultProfile(365, 0);
const parse = (raw: unknown) => parseProfiles(JSON.stringify(raw), base);

describe("defaults", () => {
  it("Intune-validated requests are honoured; the allow-lists are Intune's usages; the maximum is validityDays; no weak RSA", () => {
    expect(base.honourRequest).toBe("intune");
    expect(base.allowedKeyUsage).toEqual(["digitalSignature", "keyEncipherment"]);
    expect(base.allowedExtendedKeyUsage).toEqual([
      "1.3.6.1.5.5.7.3.2",
      "1.3.6.1.5.5.7.3.1",
      "1.3.6.1.5.5.7.3.6",
      "1.3.6.1.5.5.8.2.2",
      "1.3.6.1.5.5.7.3.4",
      "1.3.6.1.4.1.311.20.2.2",
    ]);
    expect(base.maxValidityDays).toBeUndefined();
    expect(base.rsaBits).toEqual({ min: 2048, max: 8192 });
    expect(base.allowWeakRsa1024).toBe(false);
  });

  it("a profile inherits them from default, and overrides each", () => {
    const p = parse({
      vpn: {
        honourRequest: "always",
        allowedKeyUsage: ["digitalSignature", "keyAgreement"],
        allowedExtendedKeyUsage: ["ipsecIKE", "1.2.3.4.5"],
        validityDays: 30,
        maxValidityDays: 90,
      },
      plain: {},
    });
    expect(p.get("vpn")).toMatchObject({
      honourRequest: "always",
      allowedKeyUsage: ["digitalSignature", "keyAgreement"],
      allowedExtendedKeyUsage: ["1.3.6.1.5.5.7.3.17", "1.2.3.4.5"],
      validityDays: 30,
      maxValidityDays: 90,
    });
    expect(p.get("plain")).toMatchObject({ honourRequest: "intune", allowedKeyUsage: base.allowedKeyUsage });
    expect(p.get("plain")?.maxValidityDays).toBeUndefined();
  });
});

describe("an overridden default", () => {
  it("is what every other profile falls back to, wherever it stands in the object", () => {
    const p = parse({ early: {}, default: { validityDays: 30, extendedKeyUsage: ["serverAuth"] }, late: {} });
    for (const name of ["early", "default", "late"]) {
      expect(p.get(name)).toMatchObject({ validityDays: 30, extendedKeyUsage: ["1.3.6.1.5.5.7.3.1"] });
    }
  });
});

describe("RSA under 2048 bits: rsaBits and allowWeakRsa1024 together", () => {
  it("accepted with both", () => {
    expect(parse({ legacy: { rsaBits: [1024, 4096], allowWeakRsa1024: true } }).get("legacy")?.rsaBits).toEqual({ min: 1024, max: 4096 });
  });

  it.each([
    [{ rsaBits: [1024, 4096] }, "CERT_PROFILES.legacy.rsaBits: keys under 2048 bits are weak: accept them only with allowWeakRsa1024: true"],
    [{ rsaBits: [1536, 4096] }, "CERT_PROFILES.legacy.rsaBits: keys under 2048 bits are weak: accept them only with allowWeakRsa1024: true"],
    [{ rsaBits: [512, 4096], allowWeakRsa1024: true }, "CERT_PROFILES.legacy.rsaBits: must be an integer from 1024 to 8192"],
    [{ allowWeakRsa1024: "yes" }, "CERT_PROFILES.legacy.allowWeakRsa1024: must be true or false"],
  ])("%o is refused", (settings, message) => {
    expect(() => parse({ legacy: settings })).toThrow(message);
  });
});

describe("refused at start", () => {
  it.each([
    [{ honourRequest: "sometimes" }, "CERT_PROFILES.p.honourRequest: use intune, always, never"],
    [{ allowedKeyUsage: ["keyCertSign"] }, "CERT_PROFILES.p.allowedKeyUsage: use digitalSignature"],
    [{ allowedKeyUsage: [] }, "CERT_PROFILES.p.allowedKeyUsage: must name at least one key usage"],
    [{ allowedExtendedKeyUsage: ["2.5.29.37.0"] }, "CERT_PROFILES.p.allowedExtendedKeyUsage: anyExtendedKeyUsage is never granted"],
    [{ allowedExtendedKeyUsage: ["OCSPSigning"] }, "CERT_PROFILES.p.allowedExtendedKeyUsage: use known names"],
    [{ validityDays: 90, maxValidityDays: 30 }, "CERT_PROFILES.p.maxValidityDays: must be at least validityDays"],
    [{ maxValidityDays: 4000 }, "CERT_PROFILES.p.maxValidityDays: must be an integer from 1 to 3650"],
  ])("%o", (settings, message) => {
    expect(() => parse({ p: settings })).toThrow(message);
  });
});
