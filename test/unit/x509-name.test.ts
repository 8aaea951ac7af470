// X.501 Name reader/writer (src/x509/name.ts): vectors, every refusal, and RFC 4514 text.
import { describe, expect, it } from "vitest";
import { encodeName, NameError, nameToText, parseName, sameName, type RelativeName } from "../../src/x509/name";
import { hexToBytes } from "../../src/util/bytes";
import { tlv } from "../../src/asn1/der";
import { atv, cn, hex, ia5, name, OIDS, printable, raw, seq, set, str, TAGS, utf8 } from "../support/name-der";

const A = (type: string, tag: number, value: string) => ({ type, tag, value });

describe("parseName / encodeName: accepted vectors round-trip byte for byte", () => {
  const rows: { what: string; der: Uint8Array; parsed: RelativeName[] }[] = [
    { what: "empty Name (SAN-only subjects, RFC 5280 §4.1.2.6)", der: seq(), parsed: [] },
    { what: "CN UTF8String", der: cn("device-1"), parsed: [[A(OIDS.CN, TAGS.UTF8, "device-1")]] },
    {
      what: "Intune CN=<guid> as PrintableString",
      der: name(atv(OIDS.CN, printable("6f1c1e9a-0000-4000-8000-000000000001"))),
      parsed: [[A(OIDS.CN, TAGS.PRINTABLE, "6f1c1e9a-0000-4000-8000-000000000001")]],
    },
    {
      what: "CN + emailAddress (Intune CN={{...}},E={{EmailAddress}})",
      der: name(atv(OIDS.CN, utf8("x")), atv(OIDS.emailAddress, ia5("user@corp.example"))),
      parsed: [[A(OIDS.CN, TAGS.UTF8, "x")], [A(OIDS.emailAddress, TAGS.IA5, "user@corp.example")]],
    },
    {
      what: "serialNumber (IMEI) PrintableString, C, ST, L, O, OU",
      der: name(
        atv(OIDS.C, printable("DE")),
        atv(OIDS.ST, utf8("Bayern")),
        atv(OIDS.L, utf8("München")),
        atv(OIDS.O, utf8("Acme")),
        atv(OIDS.OU, utf8("Devices")),
        atv(OIDS.serialNumber, printable("356938035643809")),
      ),
      parsed: [
        [A(OIDS.C, TAGS.PRINTABLE, "DE")],
        [A(OIDS.ST, TAGS.UTF8, "Bayern")],
        [A(OIDS.L, TAGS.UTF8, "München")],
        [A(OIDS.O, TAGS.UTF8, "Acme")],
        [A(OIDS.OU, TAGS.UTF8, "Devices")],
        [A(OIDS.serialNumber, TAGS.PRINTABLE, "356938035643809")],
      ],
    },
    {
      what: "DC as IA5String",
      der: name(atv(OIDS.DC, ia5("corp")), atv(OIDS.DC, ia5("example"))),
      parsed: [[A(OIDS.DC, TAGS.IA5, "corp")], [A(OIDS.DC, TAGS.IA5, "example")]],
    },
    { what: "BMPString", der: name(atv(OIDS.O, str(TAGS.BMP, "Zoë 中文"))), parsed: [[A(OIDS.O, TAGS.BMP, "Zoë 中文")]] },
    { what: "UniversalString outside the BMP", der: name(atv(OIDS.CN, str(TAGS.UNIVERSAL, "a😀"))), parsed: [[A(OIDS.CN, TAGS.UNIVERSAL, "a😀")]] },
    {
      what: "TeletexString read as Latin-1",
      der: name(atv(OIDS.O, raw(TAGS.TELETEX, "4dfc6c6c6572"))),
      parsed: [[A(OIDS.O, TAGS.TELETEX, "Müller")]],
    },
    { what: "UTF-8 with a BOM kept as is", der: name(atv(OIDS.CN, raw(TAGS.UTF8, "efbbbf41"))), parsed: [[A(OIDS.CN, TAGS.UTF8, "\ufeffA")]] },
    {
      what: "unknown attribute type with a DirectoryString value",
      der: name(atv("1.3.6.1.4.1.99999.1", utf8("v"))),
      parsed: [[A("1.3.6.1.4.1.99999.1", TAGS.UTF8, "v")]],
    },
    {
      what: "unstructuredName as IA5String (Cisco IOS, RFC 2985 PKCS9String)",
      der: name(atv(OIDS.unstructuredName, ia5("rtr.corp.example"))),
      parsed: [[A(OIDS.unstructuredName, TAGS.IA5, "rtr.corp.example")]],
    },
    {
      what: "two values of one type in one RDN (OpenSSL writes OU=A+OU=B)",
      der: seq(set(atv(OIDS.OU, utf8("A")), atv(OIDS.OU, utf8("B")))),
      parsed: [[A(OIDS.OU, TAGS.UTF8, "A"), A(OIDS.OU, TAGS.UTF8, "B")]],
    },
    {
      what: "multi-valued RDN, SET OF in DER order",
      der: seq(set(atv(OIDS.CN, utf8("x")), atv(OIDS.OU, utf8("yy")))),
      parsed: [[A(OIDS.CN, TAGS.UTF8, "x"), A(OIDS.OU, TAGS.UTF8, "yy")]],
    },
    { what: "a value of exactly 256 characters", der: cn("a".repeat(256)), parsed: [[A(OIDS.CN, TAGS.UTF8, "a".repeat(256))]] },
    {
      what: "16 RDNs",
      der: name(...Array.from({ length: 16 }, (_, i) => atv(OIDS.OU, utf8(`u${i}`)))),
      parsed: Array.from({ length: 16 }, (_, i) => [A(OIDS.OU, TAGS.UTF8, `u${i}`)]),
    },
    {
      what: "4 attributes in one RDN",
      der: encodeName([[A(OIDS.CN, TAGS.UTF8, "a"), A(OIDS.OU, TAGS.UTF8, "b"), A(OIDS.O, TAGS.UTF8, "c"), A(OIDS.L, TAGS.UTF8, "d")]]),
      parsed: [[A(OIDS.CN, TAGS.UTF8, "a"), A(OIDS.L, TAGS.UTF8, "d"), A(OIDS.O, TAGS.UTF8, "c"), A(OIDS.OU, TAGS.UTF8, "b")]],
    },
  ];
  it.each(rows)("$what", ({ der, parsed }) => {
    const got = parseName(der);
    expect(got).toEqual(parsed);
    expect(hex(encodeName(got))).toBe(hex(der));
  });

  it("an unsorted multi-valued RDN (BER, not DER) is read and re-encoded in DER order", () => {
    const unsorted = seq(set(atv(OIDS.OU, utf8("yy")), atv(OIDS.CN, utf8("x"))));
    expect(hex(encodeName(parseName(unsorted)))).toBe(hex(seq(set(atv(OIDS.CN, utf8("x")), atv(OIDS.OU, utf8("yy"))))));
  });
});

describe("IA5String where a DirectoryString belongs (Apple's Security framework, SecCertificateRequest.c make_nss_atv)", () => {
  it("CN=user@… and O with '&' are read as text and re-encoded as UTF8String (RFC 5280 §4.1.2.6)", () => {
    const der = name(atv(OIDS.CN, ia5("zoe@contoso.example")), atv(OIDS.O, ia5("Smith & Sons")));
    const parsed = parseName(der);
    expect(parsed).toEqual([[A(OIDS.CN, TAGS.UTF8, "zoe@contoso.example")], [A(OIDS.O, TAGS.UTF8, "Smith & Sons")]]);
    expect(hex(encodeName(parsed))).toBe(hex(name(atv(OIDS.CN, utf8("zoe@contoso.example")), atv(OIDS.O, utf8("Smith & Sons")))));
  });

  it("an attribute of unknown syntax, or one that must be a PrintableString, is still refused", () => {
    expect(() => parseName(name(atv("1.2.3.4", ia5("x"))))).toThrow(/1\.2\.3\.4 must be a DirectoryString/);
    expect(() => parseName(name(atv(OIDS.C, ia5("US"))))).toThrow(/C must be a PrintableString/);
  });
});

describe("parseName refuses, with a reason", () => {
  const long = cn("x".repeat(20_000));
  const rows: { what: string; der: Uint8Array; reason: RegExp }[] = [
    { what: "no bytes", der: new Uint8Array(0), reason: /malformed DER \(truncated TLV\)/ },
    { what: "truncated", der: cn("device").subarray(0, 9), reason: /malformed DER/ },
    { what: "length beyond the input", der: hexToBytes("3005310330"), reason: /malformed DER \(length exceeds/ },
    { what: "indefinite length (BER)", der: hexToBytes("30800000"), reason: /indefinite length/ },
    { what: "non-minimal length", der: hexToBytes("308100"), reason: /shortest form/ },
    { what: "long form with a leading zero", der: hexToBytes(`30820000`), reason: /shortest form/ },
    { what: "a SET instead of the outer SEQUENCE", der: set(atv(OIDS.CN, utf8("x"))), reason: /must be a SEQUENCE/ },
    { what: "trailing bytes", der: Uint8Array.from([...cn("x"), 0x00]), reason: /trailing bytes/ },
    { what: "a SEQUENCE where a SET belongs", der: seq(seq(atv(OIDS.CN, utf8("x")))), reason: /RDN 1: a SEQUENCE where a SET belongs/ },
    { what: "an RDN that is neither", der: seq(utf8("x")), reason: /RDN 1: expected a SET/ },
    { what: "an empty SET", der: seq(set()), reason: /RDN 1: an empty SET/ },
    { what: "17 RDNs", der: name(...Array.from({ length: 17 }, () => atv(OIDS.OU, utf8("u")))), reason: /more than 16 RDNs/ },
    {
      what: "5 attributes in one RDN",
      der: seq(set(...["a", "b", "c", "d", "e"].map((v, i) => atv(`1.2.3.${i}`, utf8(v))))),
      reason: /more than 4 attributes in one RDN/,
    },
    {
      what: "the same attribute and value twice in one RDN",
      der: seq(set(atv(OIDS.OU, utf8("a")), atv(OIDS.OU, utf8("a")))),
      reason: /same attribute and value twice in one RDN/,
    },
    { what: "an attribute that is a SET", der: seq(set(tlv(0x31, utf8("x")))), reason: /attribute must be a SEQUENCE/ },
    { what: "an attribute without a value", der: seq(set(tlv(0x30, hexToBytes("0603550403")))), reason: /OBJECT IDENTIFIER, value/ },
    {
      what: "an attribute with three fields",
      der: seq(set(tlv(0x30, hexToBytes("0603550403"), utf8("a"), utf8("b")))),
      reason: /more than a type and a value/,
    },
    { what: "a type that is not an OID", der: seq(set(tlv(0x30, utf8("CN"), utf8("x")))), reason: /OBJECT IDENTIFIER, value/ },
    { what: "a non-minimal OID arc", der: seq(set(tlv(0x30, hexToBytes("060455800403"), utf8("x")))), reason: /not in DER/ },
    { what: "a truncated OID", der: seq(set(tlv(0x30, hexToBytes("06025584"), utf8("x")))), reason: /truncated OBJECT IDENTIFIER/ },
    { what: "CN as INTEGER", der: name(atv(OIDS.CN, raw(TAGS.INTEGER, "01"))), reason: /CN: value is not a character string \(tag 0x02\)/ },
    { what: "CN as a constructed value", der: name(atv(OIDS.CN, seq(utf8("x")))), reason: /CN: value is not a character string \(tag 0x30\)/ },
    { what: "an unknown type as IA5String", der: name(atv("1.2.3.4", ia5("x"))), reason: /1\.2\.3\.4 must be a DirectoryString/ },
    { what: "emailAddress as UTF8String", der: name(atv(OIDS.emailAddress, utf8("a@b.example"))), reason: /emailAddress must be an IA5String/ },
    {
      what: "emailAddress without '@'",
      der: name(atv(OIDS.emailAddress, ia5("nobody"))),
      reason: /emailAddress "nobody" must contain exactly one '@'/,
    },
    { what: "DC as PrintableString", der: name(atv(OIDS.DC, printable("corp"))), reason: /DC must be an IA5String/ },
    { what: "serialNumber as UTF8String", der: name(atv(OIDS.serialNumber, utf8("123"))), reason: /serialNumber must be a PrintableString/ },
    { what: "countryName of three letters", der: name(atv(OIDS.C, printable("USA"))), reason: /C must be two letters A-Z, not "USA"/ },
    { what: "countryName in lower case", der: name(atv(OIDS.C, printable("us"))), reason: /C must be two letters/ },
    { what: "countryName as UTF8String", der: name(atv(OIDS.C, utf8("US"))), reason: /C must be a PrintableString/ },
    { what: "PrintableString with '@'", der: name(atv(OIDS.CN, printable("a@b"))), reason: /PrintableString with a character outside its set/ },
    { what: "PrintableString with '_'", der: name(atv(OIDS.CN, printable("a_b"))), reason: /outside its set/ },
    { what: "PrintableString with a high byte", der: name(atv(OIDS.CN, raw(TAGS.PRINTABLE, "41e9"))), reason: /outside its set/ },
    { what: "invalid UTF-8", der: name(atv(OIDS.CN, raw(TAGS.UTF8, "c328"))), reason: /invalid UTF-8/ },
    { what: "overlong UTF-8 '/'", der: name(atv(OIDS.CN, raw(TAGS.UTF8, "c0af"))), reason: /invalid UTF-8/ },
    { what: "UTF-8 encoded surrogate", der: name(atv(OIDS.CN, raw(TAGS.UTF8, "eda080"))), reason: /invalid UTF-8/ },
    { what: "BMPString of odd length", der: name(atv(OIDS.CN, raw(TAGS.BMP, "004100"))), reason: /odd length/ },
    { what: "BMPString with a surrogate", der: name(atv(OIDS.CN, raw(TAGS.BMP, "d83dde00"))), reason: /surrogate/ },
    { what: "UniversalString of 3 bytes", der: name(atv(OIDS.CN, raw(TAGS.UNIVERSAL, "000041"))), reason: /multiple of 4/ },
    { what: "UniversalString beyond U+10FFFF", der: name(atv(OIDS.CN, raw(TAGS.UNIVERSAL, "00110000"))), reason: /invalid UniversalString/ },
    {
      what: "IA5String with a non-ASCII byte",
      der: name(atv(OIDS.emailAddress, raw(TAGS.IA5, "c3a940622e6578616d706c65"))),
      reason: /IA5String with a non-ASCII character/,
    },
    { what: "NUL inside a CN", der: cn("evil\u0000.example"), reason: /NUL or control character/ },
    { what: "ESC inside a CN", der: cn("a\u001b[31m"), reason: /NUL or control character/ },
    { what: "DEL inside a CN", der: cn("a\u007f"), reason: /NUL or control character/ },
    { what: "C1 control U+0085 inside a CN", der: cn("a\u0085"), reason: /NUL or control character/ },
    { what: "C1 control in a TeletexString", der: name(atv(OIDS.O, raw(TAGS.TELETEX, "419b"))), reason: /NUL or control character/ },
    { what: "an empty value", der: name(atv(OIDS.CN, utf8(""))), reason: /CN: empty value/ },
    { what: "257 characters", der: cn("a".repeat(257)), reason: /longer than 256 characters/ },
    { what: "a 2,000-character CN", der: cn("x".repeat(2_000)), reason: /CN: value longer than 256 characters/ },
    { what: "a 20,000-character CN (refused by size before it is walked)", der: long, reason: /the Name is longer than 16384 bytes/ },
    { what: "a Name over 16 KiB", der: seq(set(atv(OIDS.CN, raw(TAGS.UTF8, "41".repeat(17_000))))), reason: /longer than 16384 bytes/ },
    { what: "a multi-byte tag", der: seq(hexToBytes("1f8101")), reason: /multi-byte tags/ },
  ];
  it.each(rows)("$what", ({ der, reason }) => {
    let error: unknown;
    try {
      parseName(der);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NameError);
    expect((error as NameError).name).toBe("NameError");
    expect((error as Error).message).toMatch(reason);
    // Safe for failInfoText: short, never the whole value.
    expect((error as Error).message.length).toBeLessThan(160);
  });

  it("counts RDNs while reading: the 17th is refused before the rest of the input is walked", () => {
    const rdn = set(atv(OIDS.OU, utf8("u")));
    // A multi-byte tag after the 17th RDN, inside the outer SEQUENCE: never reached.
    const body = Uint8Array.from([...Array.from({ length: 17 }, () => [...rdn]).flat(), 0x1f, 0x81, 0x01]);
    expect(() => parseName(tlv(0x30, body))).toThrow(/more than 16 RDNs/);
    expect(() => parseName(tlv(0x30, body.subarray(rdn.length)))).toThrow(/multi-byte tags/);
  });
});

describe("encodeName refuses what parseName would", () => {
  it.each([
    { what: "é in a PrintableString", rdns: [[A(OIDS.CN, TAGS.PRINTABLE, "é")]], reason: /outside its set/ },
    { what: "an empty RDN", rdns: [[]], reason: /empty SET/ },
    { what: "17 RDNs", rdns: Array.from({ length: 17 }, () => [A(OIDS.OU, TAGS.UTF8, "u")]), reason: /more than 16 RDNs/ },
    { what: "a control character", rdns: [[A(OIDS.CN, TAGS.UTF8, "a\nb")]], reason: /control character/ },
    { what: "a lone surrogate", rdns: [[A(OIDS.CN, TAGS.UTF8, "a\ud800")]], reason: /well-formed/ },
    { what: "a non-string tag", rdns: [[A(OIDS.CN, 0x02, "1")]], reason: /not a character string/ },
    { what: "a bad OID", rdns: [[A("2.5.4.03", TAGS.UTF8, "x")]], reason: /not a valid OBJECT IDENTIFIER/ },
    { what: "an astral character in a BMPString", rdns: [[A(OIDS.CN, TAGS.BMP, "😀")]], reason: /outside the BMP/ },
  ])("$what", ({ rdns, reason }) => {
    expect(() => encodeName(rdns)).toThrow(reason);
  });
});

describe("nameToText (RFC 4514)", () => {
  it.each([
    { der: seq(), text: "" },
    { der: name(atv(OIDS.C, printable("DE")), atv(OIDS.O, utf8("Acme")), atv(OIDS.CN, utf8("x"))), text: "CN=x,O=Acme,C=DE" },
    { der: seq(set(atv(OIDS.CN, utf8("x")), atv(OIDS.OU, utf8("yy")))), text: "OU=yy+CN=x" }, // OpenSSL's order
    { der: cn('a,b+c"d\\e<f>g;h=i'), text: 'CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h=i' },
    { der: cn("#x"), text: "CN=\\#x" },
    { der: cn(" x "), text: "CN=\\ x\\ " },
    { der: cn(" "), text: "CN=\\ " },
    { der: cn("a#b"), text: "CN=a#b" },
    {
      der: name(atv(OIDS.emailAddress, ia5("a@b.example")), atv(OIDS.serialNumber, printable("1")), atv(OIDS.DC, ia5("d"))),
      text: "DC=d,serialNumber=1,emailAddress=a@b.example",
    },
    {
      der: name(atv(OIDS.UID, utf8("u")), atv(OIDS.GN, utf8("g")), atv(OIDS.SN, utf8("s")), atv(OIDS.title, utf8("t")), atv("2.5.4.9", utf8("st"))),
      text: "STREET=st,title=t,SN=s,GN=g,UID=u",
    },
    { der: name(atv("2.5.4.97", utf8("VATDE-1"))), text: "2.5.4.97=VATDE-1" },
  ])("$text", ({ der, text }) => {
    expect(nameToText(parseName(der))).toBe(text);
  });

  it("escapes control characters of names built in code as hex pairs", () => {
    expect(nameToText([[A(OIDS.CN, TAGS.UTF8, "a\u0000b\u0085")]])).toBe("CN=a\\00b\\c2\\85");
  });
});

describe("sameName", () => {
  const p = (der: Uint8Array) => parseName(der);
  it("PrintableString and UTF8String of the same text are the same name", () => {
    expect(sameName(p(name(atv(OIDS.CN, printable("dev 1")))), p(cn("dev 1")))).toBe(true);
  });
  it("attribute order inside one RDN does not matter (a SET)", () => {
    expect(
      sameName(p(seq(set(atv(OIDS.CN, utf8("x")), atv(OIDS.OU, utf8("yy"))))), [[A(OIDS.OU, TAGS.UTF8, "yy"), A(OIDS.CN, TAGS.UTF8, "x")]]),
    ).toBe(true);
  });
  it.each([
    { what: "another CN", a: cn("deviceA"), b: cn("deviceB") },
    { what: "case differs (no folding)", a: cn("Device"), b: cn("device") },
    { what: "RDN order", a: name(atv(OIDS.O, utf8("o")), atv(OIDS.CN, utf8("c"))), b: name(atv(OIDS.CN, utf8("c")), atv(OIDS.O, utf8("o"))) },
    { what: "an extra RDN", a: cn("c"), b: name(atv(OIDS.CN, utf8("c")), atv(OIDS.O, utf8("o"))) },
    {
      what: "multi-valued vs separate RDNs",
      a: seq(set(atv(OIDS.CN, utf8("x")), atv(OIDS.OU, utf8("y")))),
      b: name(atv(OIDS.CN, utf8("x")), atv(OIDS.OU, utf8("y"))),
    },
    { what: "type differs", a: name(atv(OIDS.OU, utf8("x"))), b: name(atv(OIDS.O, utf8("x"))) },
  ])("differs: $what", ({ a, b }) => {
    expect(sameName(p(a), p(b))).toBe(false);
  });
});
