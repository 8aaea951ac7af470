// src/asn1/pem.ts and src/util/bytes.ts: the helpers every SCEP byte comparison relies on.
import { describe, expect, it } from "vitest";
import { parsePem, toPem } from "../../src/asn1/pem";
import { decodeBase64, encodeBase64 } from "../../src/asn1/base64";
import { bytesEqual, bytesToHex, concatBytes, constantTimeEqual, hexToBytes, toArrayBuffer, toBytes } from "../../src/util/bytes";
import { fixtureBytes, fixtureText } from "./support/real-clients";

const caDer = fixtureBytes("mdm-GetCACert.resp.der");

describe("parsePem", () => {
  it("reads micromdm's test-ca.pem to the same DER GetCACert served", () => {
    const blocks = parsePem(fixtureText("test-ca.pem"));
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.label).toBe("CERTIFICATE");
    expect(bytesToHex(blocks[0]!.der)).toBe(bytesToHex(caDer));
  });

  it("round-trips toPem with 64-character lines", () => {
    const pem = toPem("CERTIFICATE", caDer);
    expect(
      pem
        .split("\n")
        .slice(1, -3)
        .every((l) => l.length === 64),
    ).toBe(true);
    expect(pem.endsWith("-----END CERTIFICATE-----\n")).toBe(true);
    expect(bytesToHex(parsePem(pem)[0]!.der)).toBe(bytesToHex(caDer));
  });

  it("accepts literal \\n escapes (a secret pasted into a dashboard or .dev.vars)", () => {
    const escaped = toPem("CERTIFICATE", caDer).replace(/\n/g, "\\n");
    expect(escaped).not.toMatch(/\n/);
    const blocks = parsePem(escaped);
    expect(blocks).toHaveLength(1);
    expect(bytesToHex(blocks[0]!.der)).toBe(bytesToHex(caDer));
  });

  it("returns several blocks in order, ignoring text around and between them, CRLF line ends included", () => {
    const other = Uint8Array.from({ length: 70 }, (_, i) => i);
    const text =
      "Bag Attributes\n  friendlyName: ca\n" +
      toPem("CERTIFICATE", caDer) +
      "subject=whatever\r\n" +
      toPem("RSA PRIVATE KEY", other).replace(/\n/g, "\r\n") +
      toPem("CERTIFICATE", other);
    const blocks = parsePem(text);
    expect(blocks.map((b) => b.label)).toEqual(["CERTIFICATE", "RSA PRIVATE KEY", "CERTIFICATE"]);
    expect(bytesToHex(blocks[0]!.der)).toBe(bytesToHex(caDer));
    expect(bytesToHex(blocks[1]!.der)).toBe(bytesToHex(other));
    expect(bytesToHex(blocks[2]!.der)).toBe(bytesToHex(other));
  });

  it("does not pair a BEGIN with a different END label; no blocks in plain text", () => {
    expect(parsePem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n")).toEqual([]);
    expect(parsePem("hello")).toEqual([]);
    expect(parsePem("")).toEqual([]);
  });

  it("reads the legacy encrypted key's label (Proc-Type headers are not base64 and are not a block)", () => {
    const blocks = parsePem(fixtureText("test-ca.key.empty-password.pem"));
    expect(blocks.map((b) => b.label)).toEqual(["RSA PRIVATE KEY"]);
  });
});

describe("constantTimeEqual", () => {
  it.each<[string, number[], number[], boolean]>([
    ["equal", [1, 2, 3], [1, 2, 3], true],
    ["both empty", [], [], true],
    ["last byte differs", [1, 2, 3], [1, 2, 4], false],
    ["first byte differs", [0, 2, 3], [1, 2, 3], false],
    ["prefix (shorter first)", [1, 2], [1, 2, 3], false],
    ["prefix (longer first)", [1, 2, 3], [1, 2], false],
    ["trailing zero is not ignored", [1, 2], [1, 2, 0], false],
    ["empty vs zero byte", [], [0], false],
    ["length differs by 256 with zero bytes", [], new Array(256).fill(0), false],
  ])("%s", (_name, a, b, expected) => {
    expect(constantTimeEqual(Uint8Array.from(a), Uint8Array.from(b))).toBe(expected);
    expect(constantTimeEqual(Uint8Array.from(b), Uint8Array.from(a))).toBe(expected);
    expect(bytesEqual(Uint8Array.from(a), Uint8Array.from(b))).toBe(expected);
  });
});

describe("byte helpers", () => {
  it("toArrayBuffer of a subarray holds exactly the view's bytes", () => {
    const big = Uint8Array.from({ length: 10 }, (_, i) => i);
    const ab = toArrayBuffer(big.subarray(3, 6));
    expect(Array.from(new Uint8Array(ab))).toEqual([3, 4, 5]);
    expect(toArrayBuffer(big)).toBe(big.buffer);
  });

  it("toBytes views DataView and ArrayBuffer without copying the wrong range", () => {
    const big = Uint8Array.from({ length: 10 }, (_, i) => i);
    expect(Array.from(toBytes(new DataView(big.buffer, 2, 3)))).toEqual([2, 3, 4]);
    expect(Array.from(toBytes(big.buffer))).toHaveLength(10);
  });

  it("hex and base64 round trips, subarray-safe; decodeBase64 takes base64url and whitespace", () => {
    const big = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
    const view = big.subarray(5, 25);
    expect(bytesToHex(hexToBytes(bytesToHex(view)))).toBe(bytesToHex(view));
    expect(bytesToHex(view, true)).toBe(bytesToHex(view).toUpperCase());
    const b64 = encodeBase64(Uint8Array.of(0xfb, 0xff, 0xbf));
    expect(b64).toBe("+/+/");
    expect(Array.from(decodeBase64("-_-_"))).toEqual([0xfb, 0xff, 0xbf]);
    expect(Array.from(decodeBase64("+/+/\n"))).toEqual([0xfb, 0xff, 0xbf]);
    expect(bytesToHex(decodeBase64(encodeBase64(view)))).toBe(bytesToHex(view));
  });

  it("concatBytes keeps order and lengths", () => {
    expect(Array.from(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)))).toEqual([1, 2, 3]);
  });
});
