// src/asn1/der.ts and strict.ts, table-driven: each reader with well-formed and malformed vectors
// (X.690 §8.1 identifier and length octets, §10.1 DER lengths), each writer with known encodings.
import { describe, expect, it } from "vitest";
import {
  children,
  content,
  DER_NULL,
  DER_TRUE,
  derBitString,
  derInteger,
  DerError,
  derSetOf,
  readTlv,
  slice,
  stripLeadingZeros,
  TAG,
  tlv,
} from "../../src/asn1/der";
import { readChildren, readStrict } from "../../src/asn1/strict";
import { bytesToHex, hexToBytes } from "../../src/util/bytes";

const h = hexToBytes;
const hex = bytesToHex;

describe("readTlv", () => {
  it.each([
    { what: "short-form length", der: "0403010203", tag: 0x04, contentStart: 2, end: 5 },
    { what: "empty contents", der: "0500", tag: 0x05, contentStart: 2, end: 2 },
    { what: "long form, one length octet (128)", der: `0481 80${"00".repeat(128)}`, tag: 0x04, contentStart: 3, end: 131 },
    { what: "long form, two length octets (256)", der: `0482 0100${"00".repeat(256)}`, tag: 0x04, contentStart: 4, end: 260 },
    { what: "context tag [0] constructed", der: "a0023000", tag: 0xa0, contentStart: 2, end: 4 },
    { what: "a TLV followed by more bytes (limit is the array end)", der: "02010100", tag: 0x02, contentStart: 2, end: 3 },
  ])("$what", ({ der, tag, contentStart, end }) => {
    const t = readTlv(h(der.replace(/ /g, "")), 0);
    expect(t).toEqual({ tag, start: 0, contentStart, end });
  });

  it.each([
    { what: "empty input", der: "", reason: "truncated TLV" },
    { what: "a tag alone", der: "30", reason: "truncated TLV" },
    { what: "a multi-byte tag (X.690 §8.1.2.4)", der: "1f2201ff", reason: "multi-byte tags are not supported" },
    { what: "an indefinite length", der: "30800000", reason: "indefinite length is not DER" },
    { what: "five length octets", der: "3085000000000100", reason: "bad length" },
    { what: "length octets past the end", der: "3082", reason: "bad length" },
    { what: "contents past the end", der: "300501020304", reason: "length exceeds the enclosing value" },
  ])("refuses $what", ({ der, reason }) => {
    expect(() => readTlv(h(der), 0)).toThrow(new DerError(reason));
  });

  it("is bounded by `limit`, not the array: a child may not run past its parent", () => {
    expect(() => readTlv(h("3003020105"), 2, 4)).toThrow(DerError);
  });
});

describe("children, slice, content", () => {
  it("walk a SEQUENCE of three values", () => {
    const der = h("300902010104020a0b0500");
    const kids = children(der, readTlv(der, 0));
    expect(kids.map((k) => hex(slice(der, k)))).toEqual(["020101", "04020a0b", "0500"]);
    expect(hex(content(der, kids[1]!))).toBe("0a0b");
  });

  it("refuse a child that runs past its parent", () => {
    const der = h("3003020205");
    expect(() => children(der, readTlv(der, 0))).toThrow(new DerError("length exceeds the enclosing value"));
  });
});

describe("readStrict and readChildren (values a requester controls)", () => {
  it.each([
    { what: "a long-form length under 128", der: "30810100", reason: "Name: malformed DER (length not in its shortest form)" },
    {
      what: "a length with a leading zero octet",
      der: `308200${"80"}${"00".repeat(128)}`,
      reason: "Name: malformed DER (length not in its shortest form)",
    },
    { what: "BER indefinite length", der: "30800000", reason: "Name: malformed DER (indefinite length is not DER)" },
  ])("readStrict refuses $what", ({ der, reason }) => {
    const bytes = h(der);
    expect(() => readStrict(bytes, 0, bytes.length, "Name")).toThrow(new DerError(reason));
  });

  it("readStrict accepts the shortest long form (128 octets)", () => {
    const bytes = h(`3081 80${"00".repeat(128)}`.replace(/ /g, ""));
    expect(readStrict(bytes, 0, bytes.length, "Name").end).toBe(131);
  });

  it("readChildren stops at the (max+1)th child without reading it", () => {
    const der = h("3009020101020102020103");
    expect(readChildren(der, readTlv(der, 0), 3, "list", "too many").length).toBe(3);
    expect(() => readChildren(der, readTlv(der, 0), 2, "list", "more than 2")).toThrow(new DerError("more than 2"));
  });

  it("readChildren refuses a primitive parent", () => {
    const der = h("0403020101");
    expect(() => readChildren(der, readTlv(der, 0), 4, "RDN", "x")).toThrow(new DerError("RDN: expected a constructed value"));
  });
});

describe("writers", () => {
  it.each([
    { what: "short length", out: () => tlv(TAG.OCTET_STRING, h("0102")), der: "04020102" },
    { what: "several parts", out: () => tlv(TAG.SEQUENCE, h("0500"), h("020101")), der: "30050500020101" },
    { what: "127 octets: still short form", out: () => tlv(TAG.OCTET_STRING, new Uint8Array(127)), der: `047f${"00".repeat(127)}` },
    { what: "128 octets: long form 0x81", out: () => tlv(TAG.OCTET_STRING, new Uint8Array(128)), der: `048180${"00".repeat(128)}` },
    { what: "65536 octets: 0x83 01 00 00", out: () => tlv(TAG.OCTET_STRING, new Uint8Array(65536)).subarray(0, 5), der: "0483010000" },
    { what: "NULL", out: () => DER_NULL, der: "0500" },
    { what: "BIT STRING of whole octets", out: () => derBitString(h("a0b0")), der: "030300a0b0" },
    { what: "BIT STRING with 5 unused bits (keyUsage digitalSignature+keyEncipherment)", out: () => derBitString(h("a0"), 5), der: "030205a0" },
    { what: "BOOLEAN TRUE (X.690 §11.1)", out: () => DER_TRUE, der: "0101ff" },
    { what: "INTEGER 0", out: () => derInteger(0), der: "020100" },
    { what: "INTEGER 127", out: () => derInteger(127), der: "02017f" },
    { what: "INTEGER 128 (sign octet)", out: () => derInteger(128), der: "02020080" },
    { what: "INTEGER 65536", out: () => derInteger(65536), der: "0203010000" },
    {
      what: "SET OF sorted by encoding (X.690 §11.6)",
      out: () => derSetOf([h("0403020202"), h("020101"), h("0401ff")]),
      der: "310b0201010401ff0403020202",
    },
    { what: "SET OF with a shorter prefix first", out: () => derSetOf([h("0402aabb"), h("0401aa")]), der: "31070401aa0402aabb" },
  ])("$what", ({ out, der }) => {
    expect(hex(out())).toBe(der);
  });

  it("derInteger refuses what it cannot encode", () => {
    expect(() => derInteger(-1)).toThrow(DerError);
    expect(() => derInteger(1.5)).toThrow(DerError);
    expect(() => derBitString(h("00"), 8)).toThrow(DerError);
    expect(() => derBitString(new Uint8Array(0), 1)).toThrow(DerError);
  });

  it("writer output reads back", () => {
    const der = tlv(TAG.SEQUENCE, derInteger(300), tlv(TAG.OCTET_STRING, new Uint8Array(200)));
    const [n, o] = children(der, readTlv(der, 0));
    expect(hex(content(der, n!))).toBe("012c");
    expect(content(der, o!).length).toBe(200);
  });

  it.each([
    ["00", "00"],
    ["0080", "80"],
    ["000001", "01"],
    ["7f", "7f"],
    ["", ""],
  ])("stripLeadingZeros(%s) = %s", (input, expected) => {
    expect(hex(stripLeadingZeros(h(input)))).toBe(expected);
  });
});
