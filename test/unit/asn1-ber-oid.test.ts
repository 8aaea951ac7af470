// src/asn1/ber.ts and oid.ts, table-driven: BER -> DER normalisation (X.690 §8.1.3.6 indefinite
// lengths, §8.7.3 constructed strings) and OBJECT IDENTIFIER reading and writing (§8.19), with
// malformed vectors for each reader.
import { describe, expect, it } from "vitest";
import { berToDer } from "../../src/asn1/ber";
import { DerError, readTlv, TAG, tlv } from "../../src/asn1/der";
import { decodeOid, encodeOid, oid, oidOctets, readOid, readOidTlv } from "../../src/asn1/oid";
import { bytesToHex, hexToBytes } from "../../src/util/bytes";

const h = hexToBytes;
const hex = bytesToHex;

/** Every constructed value of a DER encoding re-encoded with an indefinite length. */
function indefinite(der: Uint8Array): Uint8Array {
  const t = readTlv(der, 0);
  if ((der[0]! & 0x20) === 0) return der.subarray(0, t.end);
  return Uint8Array.of(der[0]!, 0x80, ...indefinite(der.subarray(t.contentStart, t.end)), 0, 0);
}

describe("berToDer", () => {
  it.each([
    { what: "DER stays the same object", ber: "3006020101040100", der: "3006020101040100" },
    { what: "an indefinite-length SEQUENCE", ber: "30800201010000", der: "3003020101" },
    { what: "nested indefinite lengths (iOS)", ber: "3080a08002010100000000", der: "3005a003020101" },
    { what: "a constructed OCTET STRING (jscep)", ber: "2480040201020401030000", der: "0403010203" },
    { what: "a constructed OCTET STRING with a definite length", ber: "24080402010204020304", der: "040401020304" },
    { what: "a constructed PrintableString", ber: "3380130161130162 0000", der: "13026162" },
    { what: "a constructed [0] context value keeps its tag", ber: "a0800401ff0000", der: "a0030401ff" },
    { what: "a long value rebuilt with a long-form length", ber: `2480 0481 80${"11".repeat(128)} 0000`, der: `048180${"11".repeat(128)}` },
  ])("$what", ({ ber, der }) => {
    const input = h(ber.replace(/ /g, ""));
    const out = berToDer(input);
    expect(hex(out)).toBe(der.replace(/ /g, ""));
    if (ber === der) expect(out).toBe(input);
  });

  it.each([
    { what: "a missing end-of-contents", ber: "3080020101", reason: "missing end-of-contents" },
    { what: "an indefinite length on a primitive value", ber: "04800000", reason: "indefinite length on a primitive value" },
    { what: "bytes after the outer value", ber: "3080020101000000", reason: "trailing bytes after the outer value" },
    { what: "a child past its parent", ber: "3003020205", reason: "length exceeds the enclosing value" },
    { what: "a truncated header", ber: "30", reason: "truncated TLV" },
    { what: "five length octets", ber: "308500000000010000", reason: "bad length" },
    { what: "nesting deeper than 24", ber: "3080".repeat(26) + "0000".repeat(26), reason: "nesting deeper than 24" },
    { what: "nesting deeper than 24 in DER", ber: "3000", reason: "nesting deeper than 24", deep: 26 },
    { what: "more than 4096 elements", ber: `3080${"0500".repeat(4096)}0000`, reason: "more than 4096 elements" },
  ])("refuses $what", ({ ber, reason, deep }) => {
    let input = h(ber);
    for (let i = 0; i < (deep ?? 0); i++) input = tlv(TAG.SEQUENCE, input);
    expect(() => berToDer(input)).toThrow(new DerError(reason));
  });

  it("keeps 24 levels, 4096 elements and 3,000 segments of one string", () => {
    let deep = h("0500");
    for (let i = 0; i < 23; i++) deep = tlv(TAG.SEQUENCE, deep);
    expect(berToDer(indefinite(deep))).toEqual(deep);
    const flat = h(`3080${"0500".repeat(4095)}0000`);
    expect(berToDer(flat).length).toBe(4 + 2 * 4095);
    const segments = h(`2480${"0400".repeat(3000)}040201020000`);
    expect(hex(berToDer(segments))).toBe("04020102");
  });
});

describe("OBJECT IDENTIFIER", () => {
  const vectors = [
    { dotted: "1.2.840.113549.1.1.11", octets: "2a864886f70d01010b" },
    { dotted: "2.5.4.3", octets: "550403" },
    { dotted: "0.9.2342.19200300.100.1.25", octets: "0992268993f22c640119" },
    { dotted: "2.999.3", octets: "883703" },
    { dotted: "1.3.6.1.4.1.311.25.2", octets: "2b0601040182371902" },
    { dotted: "2.5.29.37.0", octets: "551d2500" },
  ];

  it.each(vectors)("$dotted <-> $octets", ({ dotted, octets }) => {
    expect(hex(oidOctets(dotted))).toBe(octets);
    expect(hex(encodeOid(dotted))).toBe(`06${(octets.length / 2).toString(16).padStart(2, "0")}${octets}`);
    expect(hex(oid(dotted))).toBe(hex(encodeOid(dotted)));
    expect(decodeOid(h(octets))).toBe(dotted);
    expect(readOid(h(octets), "x")).toBe(dotted);
  });

  it("oid() memoises: the same bytes object each time", () => {
    expect(oid("2.5.29.19")).toBe(oid("2.5.29.19"));
  });

  it.each([
    { what: "empty contents", octets: "", reason: "x: bad OBJECT IDENTIFIER length" },
    { what: "over 64 octets", octets: "2a".repeat(65), reason: "x: bad OBJECT IDENTIFIER length" },
    { what: "a sub-identifier with a leading 0x80 (not DER)", octets: "2a8001", reason: "x: OBJECT IDENTIFIER not in DER" },
    { what: "a leading 0x80 in the first sub-identifier", octets: "802a", reason: "x: OBJECT IDENTIFIER not in DER" },
    { what: "a truncated last sub-identifier", octets: "5584", reason: "x: truncated OBJECT IDENTIFIER" },
    { what: "an arc of 7 or more octets (past 2^49)", octets: "2a8181818181818101", reason: "x: OBJECT IDENTIFIER arc too large" },
  ])("readOid refuses $what", ({ octets, reason }) => {
    expect(() => readOid(h(octets), "x")).toThrow(new DerError(reason));
  });

  it.each([
    { what: "a wrong tag", der: "0403550403", reason: "alg: not an OBJECT IDENTIFIER" },
    { what: "empty contents", der: "0600", reason: "alg: malformed OBJECT IDENTIFIER" },
    { what: "a truncated last sub-identifier", der: "06025584", reason: "alg: malformed OBJECT IDENTIFIER" },
    { what: "a leading 0x80", der: "06032a8001", reason: "alg: malformed OBJECT IDENTIFIER" },
  ])("readOidTlv refuses $what", ({ der, reason }) => {
    const bytes = h(der);
    expect(() => readOidTlv(bytes, readTlv(bytes, 0), "alg")).toThrow(new DerError(reason));
  });

  it("readOidTlv reads a well-formed OID and refuses a missing one", () => {
    const bytes = h("0603550403");
    expect(readOidTlv(bytes, readTlv(bytes, 0), "alg")).toBe("2.5.4.3");
    expect(() => readOidTlv(bytes, undefined, "alg")).toThrow(new DerError("alg: not an OBJECT IDENTIFIER"));
  });

  it.each(["", "1", "3.1", "1.40", "0.40", "1.2.03", "1..2", "1.2.x", " 1.2", `1.${2 ** 49}`, `1.2.${"1.".repeat(64)}1`])(
    "oidOctets refuses %j",
    (dotted) => {
      expect(() => oidOctets(dotted)).toThrow(DerError);
    },
  );
});
