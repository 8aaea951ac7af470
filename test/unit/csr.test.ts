import { nameDerToText } from "../../src/x509/name";
import { describe, expect, it } from "vitest";
import { checkKeyPolicy, CsrError, parseCsr, verifyCsrSignature } from "../../src/ca/csr";
import { defaultProfile, profileKeyRefusal } from "../../src/ca/profiles";
import { OID } from "../../src/asn1/oids";
import { bytesToHex } from "../../src/util/bytes";
import { oid } from "../../src/asn1/oid";
import { tlv } from "../../src/asn1/der";
import { fixture } from "./ca-test-helpers";

describe("parseCsr (OpenSSL fixtures, see test/fixtures/ca/README.md)", () => {
  it("RSA-2048 with a PrintableString challengePassword and a SAN", () => {
    const csr = parseCsr(fixture("rsa2048-printable.der"));
    expect(nameDerToText(csr.subjectDer)).toBe("CN=device-001,O=Acme Devices");
    expect(csr.challengePassword).toBe("s3cret-Printable");
    expect(csr.key).toEqual({ algorithm: "rsa", bits: 2048, publicExponent: 65537n });
    expect(checkKeyPolicy(csr.key)).toBeUndefined();
    expect(verifyCsrSignature(csr)).toBe(true);
    expect(csr.requestedExtensions.map((e) => e.oid)).toEqual([OID.subjectAltName]);
    // GeneralNames: dNSName, rfc822Name, URI, exactly as `openssl asn1parse` shows the extnValue.
    expect(bytesToHex(csr.subjectAltNameDer!)).toMatch(/^305882166465766963652d3030312e6578616d706c652e636f6d810f/);
    // subject and SPKI are raw slices of the request.
    expect(Buffer.from(csr.der).includes(Buffer.from(csr.subjectDer))).toBe(true);
    expect(Buffer.from(csr.der).includes(Buffer.from(csr.spkiDer))).toBe(true);
    expect(csr.subjectDer[0]).toBe(0x30);
  });

  it("reads a UTF8String challengePassword and UTF8String subject", () => {
    const csr = parseCsr(fixture("rsa2048-utf8.der"));
    expect(csr.challengePassword).toBe("pässwörd-ü");
    expect(nameDerToText(csr.subjectDer)).toBe("CN=Zoë,O=Acme");
    expect(verifyCsrSignature(csr)).toBe(true);
  });

  it("EC P-256 request signed with ecdsa-with-SHA256", () => {
    const csr = parseCsr(fixture("ec-p256.der"));
    expect(csr.key).toEqual({ algorithm: "ec", bits: 256, curve: "prime256v1" });
    expect(csr.signatureOid).toBe(OID.ecdsaWithSHA256);
    expect(verifyCsrSignature(csr)).toBe(true);
    expect(checkKeyPolicy(csr.key)).toBeUndefined();
    expect(csr.challengePassword).toBe("ec-challenge");
  });

  it("leaves RSA-1024 to the profile: the global policy's floor is 1024 (the signature itself is fine)", () => {
    const csr = parseCsr(fixture("rsa1024.der"));
    expect(verifyCsrSignature(csr)).toBe(true);
    expect(csr.key.bits).toBe(1024);
    expect(checkKeyPolicy(csr.key)).toBeUndefined();
    // …and the built-in profile refuses it, saying how a profile would allow it.
    expect(profileKeyRefusal(defaultProfile(365, 0), csr.key)).toBe(
      'RSA key of 1024 bits is outside profile "default" (2048–8192); keys under 2048 bits are weak: the profile needs rsaBits [1024, …] and allowWeakRsa1024: true',
    );
  });

  it("detects a bad signature (one flipped bit in the signature, then in the signed info)", () => {
    const der = fixture("rsa2048-printable.der").slice();
    der[der.length - 1]! ^= 0x01;
    expect(verifyCsrSignature(parseCsr(der))).toBe(false);
    const der2 = fixture("ec-p256.der").slice();
    // The challengePassword "ec-challenge" sits inside CertificationRequestInfo; change one letter.
    const at = Buffer.from(der2).indexOf("ec-challenge");
    der2[at] = "E".charCodeAt(0);
    const tampered = parseCsr(der2);
    expect(tampered.challengePassword).toBe("Ec-challenge");
    expect(verifyCsrSignature(tampered)).toBe(false);
  });

  it("throws CsrError on garbage", () => {
    expect(() => parseCsr(new Uint8Array([1, 2, 3]))).toThrow(CsrError);
    expect(() => parseCsr(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))).toThrow(CsrError);
    expect(() => parseCsr(fixture("rsa2048-printable.der").slice(0, 100))).toThrow(/invalid CSR/);
  });
});

describe("checkKeyPolicy", () => {
  it.each([
    [{ algorithm: "rsa", bits: 2048, publicExponent: 65537n }, undefined],
    [{ algorithm: "rsa", bits: 8192, publicExponent: 65537n }, undefined],
    [{ algorithm: "rsa", bits: 16384 }, /too large/],
    [{ algorithm: "rsa", bits: 1023, publicExponent: 65537n }, /1023 bits is too small \(never under 1024\)/],
    [{ algorithm: "rsa", bits: 1024, publicExponent: 65537n }, undefined],
    [{ algorithm: "ec", bits: 384, curve: "secp384r1" }, undefined],
    [{ algorithm: "ec", bits: 521, curve: "secp521r1" }, /secp521r1 is not allowed/],
    [{ algorithm: "other", bits: 0, name: "ed25519" }, /ed25519 is not allowed/],
  ] as const)("%o", (key, expected) => {
    const reason = checkKeyPolicy(key);
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });
});

describe("challengePassword string types (hand-built requests; RFC 2985 §5.4.1 DirectoryString)", () => {
  const base = parseCsr(fixture("ec-p256.der"));
  function withChallenge(tag: number, body: Uint8Array): Uint8Array {
    const attr = tlv(0x30, oid(OID.challengePassword), tlv(0x31, tlv(tag, body)));
    const cri = tlv(0x30, new Uint8Array([2, 1, 0]), base.subjectDer, base.spkiDer, tlv(0xa0, attr));
    return tlv(0x30, cri, tlv(0x30, oid(OID.ecdsaWithSHA256)), tlv(0x03, new Uint8Array([0, 1, 2])));
  }
  it.each([
    ["BMPString", 0x1e, new Uint8Array(Buffer.from("pä$$", "utf16le").swap16()), "pä$$"],
    ["T61String", 0x14, new Uint8Array([0x70, 0xe4, 0x73, 0x73]), "päss"],
    ["IA5String", 0x16, new TextEncoder().encode("ia5-secret"), "ia5-secret"],
    ["UniversalString", 0x1c, new Uint8Array([0, 0, 0, 0x61, 0, 0, 0, 0xfc]), "aü"],
  ] as const)("%s", (_name, tag, body, expected) => {
    const csr = parseCsr(withChallenge(tag, body));
    expect(csr.challengePassword).toBe(expected);
    expect(verifyCsrSignature(csr)).toBe(false);
  });
});
