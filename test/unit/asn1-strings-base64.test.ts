// src/asn1/strings.ts, base64.ts and pem.ts, table-driven: each character string type read and
// written (X.680 §41) with its refusals, the lenient readers of client attributes, and the base64
// and PEM codecs (RFC 4648, RFC 7468) including what they must refuse or ignore.
import { describe, expect, it } from "vitest";
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from "../../src/asn1/base64";
import { DerError } from "../../src/asn1/der";
import { parsePem, toPem } from "../../src/asn1/pem";
import { attributeText, decodeString, encodeString, isPrintable, readDirectoryString, STRING_TAG, stringOctets } from "../../src/asn1/strings";
import { bytesToHex, hexToBytes } from "../../src/util/bytes";

const h = hexToBytes;
const hex = bytesToHex;
const T = STRING_TAG;

describe("character strings", () => {
  it.each([
    { what: "UTF8String", tag: T.UTF8, text: "Grüße ✓", octets: "4772c3bc c39f6520 e29c93" },
    { what: "PrintableString", tag: T.PRINTABLE, text: "Acme Ltd. (UK)", octets: "41636d65204c74642e2028554b29" },
    { what: "IA5String", tag: T.IA5, text: "a@b.example", octets: "6140622e6578616d706c65" },
    { what: "TeletexString as Latin-1", tag: T.TELETEX, text: "café", octets: "636166e9" },
    { what: "BMPString (UCS-2 BE)", tag: T.BMP, text: "Ωx", octets: "03a90078" },
    { what: "UniversalString (UCS-4 BE) outside the BMP", tag: T.UNIVERSAL, text: "😀", octets: "0001f600" },
  ])("$what: decode and encode are inverse", ({ tag, text, octets }) => {
    const bytes = h(octets.replace(/ /g, ""));
    expect(decodeString(tag, bytes)).toBe(text);
    expect(hex(stringOctets(tag, text))).toBe(hex(bytes));
    expect(hex(encodeString(tag, text))).toBe(`${tag.toString(16).padStart(2, "0")}${bytes.length.toString(16).padStart(2, "0")}${hex(bytes)}`);
  });

  it.each([
    { what: "a tag that is not a string type", tag: 0x04, octets: "41", reason: "value is not a character string (tag 0x04)" },
    { what: "an empty value", tag: T.UTF8, octets: "", reason: "empty value" },
    { what: "invalid UTF-8", tag: T.UTF8, octets: "c328", reason: "invalid UTF-8 in a UTF8String" },
    { what: "a BMPString of odd length", tag: T.BMP, octets: "004100", reason: "BMPString of odd length" },
    { what: "a BMPString surrogate", tag: T.BMP, octets: "d83d", reason: "invalid BMPString (surrogate)" },
    { what: "a UniversalString of 3 octets", tag: T.UNIVERSAL, octets: "000041", reason: "UniversalString length not a multiple of 4" },
    { what: "a UniversalString above U+10FFFF", tag: T.UNIVERSAL, octets: "00110000", reason: "invalid UniversalString character" },
    { what: "a NUL", tag: T.UTF8, octets: "610062", reason: "value contains a NUL or control character" },
    { what: "a control character", tag: T.IA5, octets: "610a62", reason: "value contains a NUL or control character" },
    { what: "a PrintableString '@'", tag: T.PRINTABLE, octets: "6140", reason: "PrintableString with a character outside its set" },
    { what: "a non-ASCII IA5String", tag: T.IA5, octets: "61e9", reason: "IA5String with a non-ASCII character" },
    { what: "257 characters", tag: T.UTF8, octets: "61".repeat(257), reason: "value longer than 256 characters" },
    {
      what: "over 256 characters' worth of octets, refused before decoding",
      tag: T.BMP,
      octets: "0061".repeat(300),
      reason: "value longer than 256 characters",
    },
  ])("decodeString refuses $what", ({ tag, octets, reason }) => {
    expect(() => decodeString(tag, h(octets))).toThrow(new DerError(reason));
  });

  it.each([
    { what: "a character outside the BMP as BMPString", tag: T.BMP, text: "😀", reason: "BMPString with a character outside the BMP" },
    { what: "a Greek letter as TeletexString", tag: T.TELETEX, text: "Ω", reason: "TeletexString with a character it cannot hold" },
    { what: "an unknown tag", tag: 0x04, text: "x", reason: "not a character string type" },
    { what: "ill-formed Unicode", tag: T.UTF8, text: "a\ud800", reason: "value is not well-formed Unicode" },
  ])("stringOctets refuses $what", ({ tag, text, reason }) => {
    expect(() => stringOctets(tag, text)).toThrow(new DerError(reason));
  });

  it.each([
    ["s3cret-Printable", true],
    ["a b(c)+,-./:=?'", true],
    ["with@at", false],
    ["naïve", false],
    ["", true],
  ])("isPrintable(%j) = %s", (text, expected) => {
    expect(isPrintable(text as string)).toBe(expected);
  });

  it.each([
    { what: "PrintableString", tag: T.PRINTABLE, octets: "616263", text: "abc" },
    { what: "UTF8String", tag: T.UTF8, octets: "c3a9", text: "é" },
    { what: "T61String as Latin-1", tag: T.TELETEX, octets: "e9", text: "é" },
    { what: "VisibleString", tag: T.VISIBLE, octets: "7a", text: "z" },
    { what: "BMPString", tag: T.BMP, octets: "00e9", text: "é" },
    { what: "UniversalString", tag: T.UNIVERSAL, octets: "000000e9", text: "é" },
    { what: "an OCTET STRING is not text", tag: 0x04, octets: "61", text: undefined },
  ])("readDirectoryString: $what (challengePassword, RFC 2985 §5.4.1)", ({ tag, octets, text }) => {
    expect(readDirectoryString(tag, h(octets))).toBe(text);
  });

  it.each([
    { tag: T.PRINTABLE, text: "19" },
    { tag: T.UTF8, text: "x" },
    { tag: T.NUMERIC, text: "3" },
    { tag: 0x04, text: undefined },
  ])("attributeText of tag $tag", ({ tag, text }) => {
    expect(attributeText(tag, new TextEncoder().encode(text ?? "a"))).toBe(text);
  });
});

describe("base64", () => {
  it.each([
    { bytes: "", text: "" },
    { bytes: "00", text: "AA==" },
    { bytes: "fbff", text: "+/8=" },
    { bytes: "00010203", text: "AAECAw==" },
  ])("encodeBase64($bytes) = $text and back", ({ bytes, text }) => {
    expect(encodeBase64(h(bytes))).toBe(text);
    expect(hex(decodeBase64(text))).toBe(bytes);
  });

  it.each([
    { what: "URL-safe alphabet", text: "-_8", bytes: "fbff" },
    { what: "no padding", text: "AAECAw", bytes: "00010203" },
    { what: "line breaks and spaces", text: "AAEC\r\n Aw==", bytes: "00010203" },
  ])("decodeBase64 accepts $what", ({ text, bytes }) => {
    expect(hex(decodeBase64(text))).toBe(bytes);
  });

  it.each([
    { bytes: "", text: "" },
    { bytes: "7b2261223a317d", text: "eyJhIjoxfQ" },
    { bytes: "fbff", text: "-_8" },
    { bytes: "00010203", text: "AAECAw" },
  ])("encodeBase64Url($bytes) = $text (no padding, '-' and '_') and back", ({ bytes, text }) => {
    expect(encodeBase64Url(h(bytes))).toBe(text);
    expect(hex(decodeBase64Url(text)!)).toBe(bytes);
  });

  it.each([
    { what: "unpadded base64url", text: "eyJhIjoxfQ", bytes: "7b2261223a317d" },
    { what: "'-' and '_'", text: "-_8", bytes: "fbff" },
    { what: "empty", text: "", bytes: "" },
  ])("decodeBase64Url accepts $what", ({ text, bytes }) => {
    expect(hex(decodeBase64Url(text)!)).toBe(bytes);
  });

  it.each([
    { what: "padding", text: "AA==" },
    { what: "the standard alphabet's '+'", text: "+/8" },
    { what: "whitespace", text: "AA AA" },
    { what: "a length of 4n+1", text: "AAAAA" },
  ])("decodeBase64Url refuses $what", ({ text }) => {
    expect(decodeBase64Url(text)).toBeUndefined();
  });
});

describe("PEM", () => {
  it("toPem wraps at 64 columns and parsePem reads it back", () => {
    const der = new Uint8Array(100).map((_, i) => i);
    const pem = toPem("CERTIFICATE", der);
    const lines = pem.trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines[1]!.length).toBe(64);
    expect(lines.at(-1)).toBe("-----END CERTIFICATE-----");
    expect(parsePem(pem)).toEqual([{ label: "CERTIFICATE", der }]);
  });

  it.each([
    {
      what: "text around blocks (bag attributes, comments)",
      text: "Bag Attributes\n-----BEGIN X-----\nAAE=\n-----END X-----\ntrailer",
      blocks: [["X", "0001"]],
    },
    {
      what: "two blocks in order",
      text: "-----BEGIN A-----\nAA==\n-----END A----------BEGIN B-----\nAQ==\n-----END B-----",
      blocks: [
        ["A", "00"],
        ["B", "01"],
      ],
    },
    { what: "literal \\n sequences (dashboard quirk)", text: "-----BEGIN K-----\\nAAE=\\n-----END K-----", blocks: [["K", "0001"]] },
    { what: "mismatched labels: no block", text: "-----BEGIN A-----\nAA==\n-----END B-----", blocks: [] },
    { what: "no PEM at all", text: "hello", blocks: [] },
  ])("parsePem: $what", ({ text, blocks }) => {
    expect(parsePem(text).map((b) => [b.label, hex(b.der)])).toEqual(blocks);
  });
});
