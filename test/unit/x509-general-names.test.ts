// GeneralNames reader/writer (src/x509/general-names.ts): vectors, every refusal, text and equality.
import { describe, expect, it } from "vitest";
import {
  encodeGeneralNames,
  generalNamesText,
  generalNameText,
  isSidUri,
  isWildcard,
  parseGeneralNames,
  sameGeneralNames,
  type GeneralName,
} from "../../src/x509/general-names";
import { NameError } from "../../src/x509/name";
import { ipText } from "../../src/x509/name-syntax";
import { hexToBytes } from "../../src/util/bytes";
import { oid } from "../../src/asn1/oid";
import { tlv } from "../../src/asn1/der";
import { atv, cn, gn, hex, name, OIDS, seq, str, TAGS, utf8 } from "../support/name-der";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const { dns, email, uri, ip, other, upn } = gn;
const SID_URI = "tag:microsoft.com,2022-09-14:sid:S-1-5-21-3623811015-3361044348-30300820-1013";

describe("parseGeneralNames / encodeGeneralNames: accepted vectors round-trip byte for byte", () => {
  const rows: { what: string; der: Uint8Array; text: string }[] = [
    { what: "dNSName", der: seq(dns("host.corp.example")), text: "dns:host.corp.example" },
    {
      what: "single-label and punycode DNS names",
      der: seq(dns("intranet"), dns("xn--bcher-kva.example")),
      text: "dns:intranet, dns:xn--bcher-kva.example",
    },
    {
      what: "a 63-character label, 253 in all",
      der: seq(dns(`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`)),
      text: `dns:${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`,
    },
    { what: "wildcard dNSName (parsed, marked)", der: seq(dns("*.corp.example")), text: "dns:*.corp.example" },
    { what: "rfc822Name", der: seq(email("first.last+tag@corp.example")), text: "email:first.last+tag@corp.example" },
    { what: "UPN otherName (the ledger used to say type0)", der: seq(upn("alice@corp.example")), text: "upn:alice@corp.example" },
    { what: "UPN with a non-ASCII user part", der: seq(upn("zoë@corp.example")), text: "upn:zoë@corp.example" },
    { what: "URI", der: seq(uri("https://corp.example/device?id=1")), text: "uri:https://corp.example/device?id=1" },
    { what: "Microsoft SID URI", der: seq(uri(SID_URI)), text: `uri:${SID_URI}` },
    { what: "IPv4", der: seq(ip("0a000001")), text: "ip:10.0.0.1" },
    { what: "IPv6", der: seq(ip("20010db8000000000000000000000001")), text: "ip:2001:db8::1" },
    { what: "directoryName", der: seq(tlv(0xa4, name(atv(OIDS.O, utf8("Acme")), atv(OIDS.CN, utf8("dir"))))), text: "dirname:CN=dir,O=Acme" },
    { what: "registeredID", der: seq(tlv(0x88, oid("1.2.3.4").subarray(2))), text: "rid:1.2.3.4" },
    {
      what: "email, UPN, DNS together (Intune)",
      der: seq(email("u@corp.example"), upn("u@corp.example"), dns("d.corp.example")),
      text: "email:u@corp.example, upn:u@corp.example, dns:d.corp.example",
    },
    {
      what: "32 names",
      der: seq(...Array.from({ length: 32 }, (_, i) => dns(`h${i}.example`))),
      text: Array.from({ length: 32 }, (_, i) => `dns:h${i}.example`).join(", "),
    },
  ];
  it.each(rows)("$what", ({ der, text }) => {
    const names = parseGeneralNames(der);
    expect(generalNamesText(names)).toBe(text);
    expect(hex(encodeGeneralNames(names))).toBe(hex(der));
  });

  it("keeps the value of a UPN and only the type-id of any other otherName", () => {
    expect(parseGeneralNames(seq(upn("a@b.example")))).toEqual([{ type: "upn", value: "a@b.example" }]);
    const names = parseGeneralNames(seq(other("1.3.6.1.4.1.311.25.2.1", tlv(0x04, ascii("S-1-5-21-1-2-3")))));
    expect(names).toEqual([{ type: "otherName", typeId: "1.3.6.1.4.1.311.25.2.1" }]);
    expect(generalNameText(names[0]!)).toBe("othername:1.3.6.1.4.1.311.25.2.1");
    // Never re-encoded: its value was not kept (design rule 7), and the policy never issues it.
    expect(() => encodeGeneralNames(names)).toThrow(/cannot be encoded/);
  });

  it("marks wildcards for the policy", () => {
    const [w, plain] = parseGeneralNames(seq(dns("*.corp.example"), dns("corp.example")));
    expect(w).toEqual({ type: "dns", value: "*.corp.example", wildcard: true });
    expect(isWildcard(w!)).toBe(true);
    expect(isWildcard(plain!)).toBe(false);
  });

  it("gives IP octets and RFC 5952 text", () => {
    const [v6] = parseGeneralNames(seq(ip("fe800000000000000000000000000001")));
    expect(v6).toEqual({ type: "ip", value: "fe80::1", octets: hexToBytes("fe800000000000000000000000000001") });
  });
});

describe("parseGeneralNames refuses, with a reason", () => {
  const rows: { what: string; der: Uint8Array; reason: RegExp }[] = [
    { what: "not DER at all (a UTF8String)", der: utf8("DNS:evil.example"), reason: /must be a SEQUENCE/ },
    { what: "truncated", der: seq(dns("host.example")).subarray(0, 8), reason: /malformed DER/ },
    { what: "non-minimal length", der: hexToBytes("308103820161"), reason: /shortest form/ },
    { what: "trailing bytes", der: Uint8Array.from([...seq(dns("a.example")), 0]), reason: /trailing bytes/ },
    { what: "an empty SEQUENCE (SIZE (1..MAX))", der: seq(), reason: /must not be empty/ },
    { what: "33 names", der: seq(...Array.from({ length: 33 }, (_, i) => dns(`h${i}.example`))), reason: /more than 32 names/ },
    {
      what: "a Name where GeneralNames belong (SAN bytes that are not GeneralNames)",
      der: cn("x"),
      reason: /name 1: not a GeneralName \(tag 0x31\)/,
    },
    { what: "a universal tag inside", der: seq(utf8("x")), reason: /not a GeneralName \(tag 0x0c\)/ },
    { what: "x400Address", der: seq(tlv(0xa3, seq())), reason: /x400Address names are not supported/ },
    { what: "ediPartyName", der: seq(tlv(0xa5, tlv(0x81, utf8("x")))), reason: /ediPartyName names are not supported/ },
    { what: "constructed dNSName", der: seq(tlv(0xa2, tlv(0x16, ascii("a.example")))), reason: /tag 0xa2/ },
    {
      what: "dNSName with NUL (the classic certificate null-prefix attack)",
      der: seq(dns("bank.example\u0000.evil.example")),
      reason: /NUL or control character/,
    },
    { what: "dNSName with a non-ASCII byte", der: seq(tlv(0x82, hexToBytes("c3a92e6578616d706c65"))), reason: /non-ASCII/ },
    { what: "empty dNSName", der: seq(dns("")), reason: /empty value/ },
    { what: "dNSName over 253 characters", der: seq(dns(`${"a.".repeat(127)}b`)), reason: /longer than 253 characters/ },
    { what: "dNSName with a 64-character label", der: seq(dns(`${"a".repeat(64)}.example`)), reason: /label longer than 63/ },
    { what: "dNSName with a trailing dot", der: seq(dns("host.example.")), reason: /ends with a dot/ },
    { what: "dNSName with an empty label", der: seq(dns("host..example")), reason: /empty label/ },
    { what: "dNSName with an underscore", der: seq(dns("_srv.example")), reason: /underscore/ },
    { what: "dNSName with a leading hyphen", der: seq(dns("-a.example")), reason: /starts or ends with '-'/ },
    { what: "dNSName with a space", der: seq(dns("a b.example")), reason: /character other than/ },
    { what: "a '*' that is not a leading label", der: seq(dns("a.*.example")), reason: /not a leading wildcard/ },
    { what: "a partial-label wildcard", der: seq(dns("f*.example")), reason: /not a leading wildcard/ },
    { what: "a lone '*'", der: seq(dns("*")), reason: /not a leading wildcard/ },
    { what: "dNSName over 256 characters", der: seq(dns("a".repeat(300))), reason: /longer than 256 characters/ },
    { what: "email without '@'", der: seq(email("corp.example")), reason: /exactly one '@'/ },
    { what: "email with two '@'", der: seq(email("a@b@corp.example")), reason: /exactly one '@'/ },
    { what: "email with a quoted local part", der: seq(email('"a b"@corp.example')), reason: /dot-atom/ },
    { what: "email with a leading dot", der: seq(email(".a@corp.example")), reason: /dot-atom/ },
    { what: "email with a domain literal", der: seq(email("a@[10.0.0.1]")), reason: /domain that/ },
    { what: "email with an empty local part", der: seq(email("@corp.example")), reason: /empty local part/ },
    { what: "UPN without a user part", der: seq(upn("@corp.example")), reason: /empty user part/ },
    { what: "UPN with a bad suffix", der: seq(upn("alice@corp_example")), reason: /suffix that contains an underscore/ },
    { what: "UPN as IA5String", der: seq(other("1.3.6.1.4.1.311.20.2.3", tlv(0x16, ascii("a@b.example")))), reason: /UPN must be a UTF8String/ },
    { what: "UPN with a control character", der: seq(upn("al\u0007ice@corp.example")), reason: /control character/ },
    { what: "otherName without [0] value", der: seq(tlv(0xa0, oid("1.2.3.4"), utf8("x"))), reason: /OBJECT IDENTIFIER, \[0\] value/ },
    { what: "otherName with an empty [0]", der: seq(tlv(0xa0, oid("1.2.3.4"), tlv(0xa0, new Uint8Array(0)))), reason: /no value/ },
    { what: "otherName with two values", der: seq(tlv(0xa0, oid("1.2.3.4"), tlv(0xa0, utf8("x"), utf8("y")))), reason: /more than one value/ },
    { what: "URI without a scheme", der: seq(uri("//corp.example/x")), reason: /RFC 3986 scheme/ },
    { what: "URI with a space", der: seq(uri("https://corp.example/a b")), reason: /RFC 3986 does not allow/ },
    { what: "URI with nothing after the scheme", der: seq(uri("urn:")), reason: /nothing after the scheme/ },
    {
      what: "URI with the SID prefix but a bad SID",
      der: seq(uri("tag:microsoft.com,2022-09-14:sid:S-1-5-21-x")),
      reason: /looks like a Microsoft SID URI but is not exactly/,
    },
    {
      what: "URI with the SID prefix in other case",
      der: seq(uri("TAG:Microsoft.com,2022-09-14:SID:S-1-5-21-1-2-3")),
      reason: /looks like a Microsoft SID URI/,
    },
    { what: "iPAddress of 5 octets", der: seq(ip("0a00000101")), reason: /4 or 16 octets/ },
    { what: "iPAddress with a netmask (8 octets, name-constraints form)", der: seq(ip("0a000000ff000000")), reason: /4 or 16 octets/ },
    { what: "directoryName holding a bad Name", der: seq(tlv(0xa4, seq(seq(atv(OIDS.CN, utf8("x")))))), reason: /a SEQUENCE where a SET belongs/ },
    { what: "directoryName with an empty Name", der: seq(tlv(0xa4, seq())), reason: /empty Name/ },
    { what: "registeredID that is not DER", der: seq(tlv(0x88, hexToBytes("2a80"))), reason: /OBJECT IDENTIFIER/ },
    { what: "duplicate DNS names differing in case", der: seq(dns("a.example"), dns("A.EXAMPLE")), reason: /duplicate name "dns:A.EXAMPLE"/ },
    { what: "duplicate emails differing in domain case", der: seq(email("u@corp.example"), email("u@CORP.example")), reason: /duplicate name/ },
    { what: "duplicate IPs", der: seq(ip("0a000001"), ip("0a000001")), reason: /duplicate name "ip:10.0.0.1"/ },
    {
      what: "a GeneralNames over 32 KiB",
      der: seq(dns("a.example"), tlv(0x86, new Uint8Array(33_000).fill(0x61))),
      reason: /longer than 32768 bytes/,
    },
  ];
  it.each(rows)("$what", ({ der, reason }) => {
    let error: unknown;
    try {
      parseGeneralNames(der);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NameError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message.length).toBeLessThan(160);
  });
});

describe("encodeGeneralNames validates what it writes", () => {
  it.each<{ what: string; names: GeneralName[]; reason: RegExp }>([
    { what: "no names", names: [], reason: /must not be empty/ },
    { what: "a bad DNS name", names: [{ type: "dns", value: "a_b.example" }], reason: /underscore/ },
    {
      what: "duplicates",
      names: [
        { type: "dns", value: "a.example" },
        { type: "dns", value: "a.example" },
      ],
      reason: /duplicate/,
    },
    {
      what: "an IP whose text is not its octets",
      names: [{ type: "ip", value: "10.0.0.2", octets: hexToBytes("0a000001") }],
      reason: /does not match/,
    },
    { what: "a bad registeredID", names: [{ type: "registeredId", value: "1.2.x" }], reason: /OBJECT IDENTIFIER/ },
  ])("$what", ({ names, reason }) => {
    expect(() => encodeGeneralNames(names)).toThrow(reason);
  });

  it("writes a long UPN with long-form lengths", () => {
    const value = `${"u".repeat(200)}@corp.example`;
    const der = encodeGeneralNames([{ type: "upn", value }]);
    expect(parseGeneralNames(der)).toEqual([{ type: "upn", value }]);
  });
});

describe("ipText: RFC 5952", () => {
  it.each([
    ["c0000201", "192.0.2.1"],
    ["00000000000000000000000000000000", "::"],
    ["00000000000000000000000000000001", "::1"],
    ["20010db8000000000000000000000000", "2001:db8::"],
    ["20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"], // §4.2.2: one zero group stays
    ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"], // §4.2.3: the first of equal runs
    ["20010db800000000000100000000000a", "2001:db8::1:0:0:a"],
    ["20010db8000100000000000000000001", "2001:db8:1::1"], // §4.2.3: the longest run
    ["20010DB8ABCD0000000000000000FFFF".toLowerCase(), "2001:db8:abcd::ffff"], // §4.3: lower case
    ["00000000000000000000ffffc0000201", "::ffff:192.0.2.1"], // §5: mapped IPv4 keeps the dotted quad
  ])("%s → %s", (h, text) => {
    expect(ipText(hexToBytes(h))).toBe(text);
  });

  it("agrees with the WHATWG URL serializer (an independent RFC 5952 implementation) on 2,000 addresses", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 2000; n++) {
      // Mostly zero groups, so compression cases are frequent.
      const groups = Array.from({ length: 8 }, () => (next() % 3 === 0 ? next() % 0x10000 : 0));
      if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) continue;
      const octets = new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
      const full = groups.map((g) => g.toString(16).padStart(4, "0")).join(":");
      expect(ipText(octets)).toBe(new URL(`http://[${full}]/`).hostname.slice(1, -1));
    }
  });
});

describe("isSidUri", () => {
  it.each([
    [SID_URI, true],
    ["tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-500", true],
    ["tag:microsoft.com,2022-09-14:sid:S-1-0x000000000005-21-1", true],
    ["tag:microsoft.com,2022-09-14:sid:S-1-5", false], // no sub-authority
    ["tag:microsoft.com,2022-09-14:sid:S-2-5-21-1", false], // revision 1 only
    ["tag:microsoft.com,2022-09-14:sid:S-1-5-21-4294967296", false], // sub-authority beyond 32 bits
    ["tag:microsoft.com,2022-09-14:sid:S-1-5-021-1", false], // leading zero
    ["tag:microsoft.com,2022-09-14:sid:S-1-5-21-1 ", false],
    [`tag:microsoft.com,2022-09-14:sid:S-1-5${"-1".repeat(16)}`, false], // more than 15 sub-authorities
    ["tag:microsoft.com,2022-09-14:sid:", false],
    ["https://corp.example/S-1-5-21-1", false],
  ])("%s → %s", (value, expected) => {
    expect(isSidUri(value)).toBe(expected);
  });
});

describe("sameGeneralNames", () => {
  const p = (...parts: Uint8Array[]) => parseGeneralNames(seq(...parts));
  it("is set equality: order does not matter", () => {
    expect(sameGeneralNames(p(dns("a.example"), email("u@corp.example")), p(email("u@corp.example"), dns("a.example")))).toBe(true);
  });
  it("compares DNS names and mail/UPN domains case-insensitively, local parts exactly", () => {
    expect(sameGeneralNames(p(dns("A.Example")), p(dns("a.example")))).toBe(true);
    expect(sameGeneralNames(p(email("u@CORP.example")), p(email("u@corp.example")))).toBe(true);
    expect(sameGeneralNames(p(upn("alice@CORP.EXAMPLE")), p(upn("alice@corp.example")))).toBe(true);
    expect(sameGeneralNames(p(email("U@corp.example")), p(email("u@corp.example")))).toBe(false);
    expect(sameGeneralNames(p(upn("Alice@corp.example")), p(upn("alice@corp.example")))).toBe(false);
  });
  it.each([
    { what: "an added name", a: [dns("a.example")], b: [dns("a.example"), dns("b.example")] },
    { what: "same text, other type", a: [email("u@corp.example")], b: [upn("u@corp.example")] },
    { what: "another IP", a: [ip("0a000001")], b: [ip("0a000002")] },
  ])("differs: $what", ({ a, b }) => {
    expect(sameGeneralNames(p(...a), p(...b))).toBe(false);
  });
  it("handles empty lists (no SAN)", () => {
    expect(sameGeneralNames([], [])).toBe(true);
    expect(sameGeneralNames([], p(dns("a.example")))).toBe(false);
  });
});

it("renders a directoryName holding a BMPString", () => {
  const names = parseGeneralNames(seq(tlv(0xa4, name(atv(OIDS.CN, str(TAGS.BMP, "Zoë"))))));
  expect(generalNamesText(names)).toBe("dirname:CN=Zoë");
});
