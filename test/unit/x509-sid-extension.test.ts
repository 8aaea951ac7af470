// szOID_NTDS_CA_SECURITY_EXT (src/x509/sid-extension.ts), against the layout [MS-WCCE] §2.2.2.7.7.4
// describes and public encoders (PSPKI, PSCertificateEnrollment) produce.
import { describe, expect, it } from "vitest";
import { NameError } from "../../src/x509/name";
import { encodeSidExtension, isSid, parseSidExtension, SID_EXTENSION_OID } from "../../src/x509/sid-extension";
import { hexToBytes } from "../../src/util/bytes";
import { oid } from "../../src/asn1/oid";
import { tlv } from "../../src/asn1/der";
import { hex } from "../support/name-der";

const SID = "S-1-5-21-3623811015-3361044348-30300820-1013";
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const build = (sid: Uint8Array, typeId = "1.3.6.1.4.1.311.25.2.1") => tlv(0x30, tlv(0xa0, oid(typeId), tlv(0xa0, tlv(0x04, sid))));

describe("encodeSidExtension / parseSidExtension", () => {
  it("writes SEQUENCE { [0] { OID 1.3.6.1.4.1.311.25.2.1, [0] { OCTET STRING sid } } }, byte for byte", () => {
    const sidHex = Buffer.from(SID, "ascii").toString("hex");
    const inner = `060a2b060104018237190201a0${(SID.length + 2).toString(16)}04${SID.length.toString(16)}${sidHex}`;
    const otherName = `a0${(inner.length / 2).toString(16)}${inner}`;
    const expected = `30${(otherName.length / 2).toString(16)}${otherName}`;
    expect(hex(encodeSidExtension(SID))).toBe(expected);
    expect(parseSidExtension(hexToBytes(expected))).toBe(SID);
    expect(SID_EXTENSION_OID).toBe("1.3.6.1.4.1.311.25.2");
  });

  it("round-trips short and long SIDs", () => {
    for (const sid of ["S-1-5-18", "S-1-5-21-1-2-3-500", `S-1-5${"-4294967295".repeat(15)}`, "S-1-0x0000000000ff-1"]) {
      expect(parseSidExtension(encodeSidExtension(sid))).toBe(sid);
      expect(hex(encodeSidExtension(sid))).toBe(hex(build(ascii(sid))));
    }
  });

  it("refuses to encode something that is not a SID", () => {
    expect(() => encodeSidExtension("S-1-5-21-x")).toThrow(NameError);
  });
});

describe("parseSidExtension refuses", () => {
  it.each([
    { what: "empty input", der: new Uint8Array(0), reason: /malformed DER/ },
    { what: "trailing bytes", der: Uint8Array.from([...build(ascii(SID)), 0]), reason: /exactly one SEQUENCE/ },
    {
      what: "an OtherName without the [0] wrapper",
      der: tlv(0x30, tlv(0x30, oid("1.3.6.1.4.1.311.25.2.1"), tlv(0xa0, tlv(0x04, ascii(SID))))),
      reason: /one \[0\] OtherName/,
    },
    { what: "two entries", der: tlv(0x30, build(ascii(SID)).subarray(2), build(ascii(SID)).subarray(2)), reason: /more than one entry/ },
    { what: "an empty SEQUENCE", der: tlv(0x30, new Uint8Array(0)), reason: /one \[0\] OtherName/ },
    { what: "another type-id", der: build(ascii(SID), "1.3.6.1.4.1.311.20.2.3"), reason: /not szOID_NTDS_OBJECTSID/ },
    { what: "a UTF8String SID", der: tlv(0x30, tlv(0xa0, oid("1.3.6.1.4.1.311.25.2.1"), tlv(0xa0, tlv(0x0c, ascii(SID))))), reason: /OCTET STRING/ },
    { what: "a binary SID (not its text form)", der: build(hexToBytes("010500000000000515000000c7cbfdd7")), reason: /not a SID/ },
    { what: "a SID with a NUL", der: build(ascii(`${SID}\u0000`)), reason: /not a SID/ },
    { what: "a SID that is too long", der: build(ascii(`S-1-5${"-1".repeat(200)}`)), reason: /too long/ },
  ])("$what", ({ der, reason }) => {
    expect(() => parseSidExtension(der)).toThrow(reason);
  });
});

describe("isSid ([MS-DTYP] §2.4.2.1 string form)", () => {
  it.each([
    ["S-1-5-18", true],
    ["S-1-1-0", true],
    ["S-1-5-21-1004336348-1177238915-682003330-512", true],
    ["S-1-4294967295-1", true],
    ["S-1-4294967296-1", false], // above 2^32 the authority is written in hex
    ["S-1-0x0000000000ff-1", true],
    ["S-1-0xff-1", false],
    ["s-1-5-18", false],
    ["S-1-5", false],
    ["S-1-5-", false],
    ["S-1-5-18-", false],
    ["S-1--5-18", false],
    ["S-1-5-+18", false],
    ["S-1-5-1e3", false],
  ])("%s → %s", (sid, expected) => {
    expect(isSid(sid)).toBe(expected);
  });
});
