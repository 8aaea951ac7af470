// OCSPRequest parsing (RFC 6960 §4.1.1) against requests made by `openssl ocsp -reqout`, and the
// refusals a hostile request meets: each must be an OcspRequestError (malformedRequest on the
// wire), never any other exception, and nothing beyond the bounds is read.
import { beforeAll, describe, expect, it } from "vitest";
import { issuerHashes, namesIssuer } from "../../src/ocsp/cert-id";
import { MAX_CERT_IDS, OcspRequestError, parseOcspRequest } from "../../src/ocsp/request";
import { bytesToHex } from "../../src/util/bytes";
import { TAG, tlv } from "../../src/asn1/der";
import { oid } from "../../src/asn1/oid";
import { mutateBytes, mutateStructure, prng } from "../support/der-tree";
import { makeIssuer, opensslRequest, randomSerialHex, type TestIssuer } from "./support/ocsp-oracle";

let ca: TestIssuer;
let other: TestIssuer;

beforeAll(() => {
  ca = makeIssuer("OCSP Request CA");
  other = makeIssuer("Some Other CA");
});

/** CertID built by hand: SHA-1 over fixed hashes unless told otherwise. */
function certId(
  o: { hashOid?: string; nameHash?: Uint8Array; keyHash?: Uint8Array; serial?: Uint8Array; params?: Uint8Array | null } = {},
): Uint8Array {
  const alg =
    o.params === null
      ? tlv(TAG.SEQUENCE, oid(o.hashOid ?? "1.3.14.3.2.26"))
      : tlv(TAG.SEQUENCE, oid(o.hashOid ?? "1.3.14.3.2.26"), o.params ?? new Uint8Array([5, 0]));
  return tlv(
    TAG.SEQUENCE,
    alg,
    tlv(TAG.OCTET_STRING, o.nameHash ?? new Uint8Array(20)),
    tlv(TAG.OCTET_STRING, o.keyHash ?? new Uint8Array(20)),
    tlv(TAG.INTEGER, o.serial ?? new Uint8Array([0x12, 0x34])),
  );
}

function request(certIds: Uint8Array[], extensions?: Uint8Array[]): Uint8Array {
  const parts = [tlv(TAG.SEQUENCE, ...certIds.map((c) => tlv(TAG.SEQUENCE, c)))];
  if (extensions) parts.push(tlv(0xa2, tlv(TAG.SEQUENCE, ...extensions)));
  return tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, ...parts));
}

function nonceExtension(nonce: Uint8Array, critical = false): Uint8Array {
  const id = oid("1.3.6.1.5.5.7.48.1.2");
  const value = tlv(TAG.OCTET_STRING, tlv(TAG.OCTET_STRING, nonce));
  return critical ? tlv(TAG.SEQUENCE, id, new Uint8Array([1, 1, 0xff]), value) : tlv(TAG.SEQUENCE, id, value);
}

function refusal(der: Uint8Array): string {
  try {
    parseOcspRequest(der);
  } catch (e) {
    if (e instanceof OcspRequestError) return e.message;
    throw e;
  }
  throw new Error("accepted");
}

describe("requests made by openssl ocsp", () => {
  it("reads a SHA-1 CertID with its nonce, and re-encodes the CertID byte for byte", () => {
    const serial = randomSerialHex();
    const req = opensslRequest(ca, [serial]);
    const parsed = parseOcspRequest(req.der);
    expect(parsed.certIds).toHaveLength(1);
    const id = parsed.certIds[0]!;
    expect(id.hash).toBe("sha1");
    expect(id.serialHex).toBe(serial);
    expect(namesIssuer(id, ca.hashes)).toBe(true);
    expect(namesIssuer(id, other.hashes)).toBe(false);
    // OpenSSL writes DER, so our canonical re-encoding must be a slice of its request.
    expect(bytesToHex(req.der)).toContain(bytesToHex(id.der));
    expect(parsed.nonce).toHaveLength(16); // OpenSSL's default nonce length
  });

  it("reads SHA-256 CertIDs, several in one request, without a nonce", () => {
    const serials = [randomSerialHex(), randomSerialHex(), randomSerialHex()];
    const parsed = parseOcspRequest(opensslRequest(ca, serials, { hash: "sha256", nonce: false }).der);
    expect(parsed.nonce).toBeUndefined();
    expect(parsed.certIds.map((c) => c.serialHex)).toEqual(serials);
    expect(parsed.certIds.every((c) => c.hash === "sha256" && namesIssuer(c, ca.hashes))).toBe(true);
  });

  it("reads SHA-384 and SHA-512 CertIDs", () => {
    for (const hash of ["sha384", "sha512"]) {
      const id = parseOcspRequest(opensslRequest(ca, ["0A"], { hash }).der).certIds[0]!;
      expect(id.hash).toBe(hash);
      expect(namesIssuer(id, ca.hashes)).toBe(true);
    }
  });

  it("matches the issuer by both hashes: the right name with another key is not the CA", () => {
    const h = issuerHashes(ca.material.caSubjectDer, ca.material.caSpkiDer);
    const id = parseOcspRequest(request([certId({ nameHash: h.name.sha1, keyHash: other.hashes.key.sha1 })])).certIds[0]!;
    expect(namesIssuer(id, ca.hashes)).toBe(false);
    const both = parseOcspRequest(request([certId({ nameHash: h.name.sha1, keyHash: h.key.sha1 })])).certIds[0]!;
    expect(namesIssuer(both, ca.hashes)).toBe(true);
  });

  it("accepts absent hash parameters and keeps them absent in the echo", () => {
    const id = parseOcspRequest(request([certId({ params: null })])).certIds[0]!;
    expect(id.nullParams).toBe(false);
    expect(bytesToHex(id.der)).toBe(bytesToHex(certId({ params: null })));
  });

  it(`accepts ${MAX_CERT_IDS} CertIDs and a 32-octet nonce, the largest allowed`, () => {
    const parsed = parseOcspRequest(
      request(
        Array.from({ length: MAX_CERT_IDS }, () => certId()),
        [nonceExtension(new Uint8Array(32).fill(7))],
      ),
    );
    expect(parsed.certIds).toHaveLength(MAX_CERT_IDS);
    expect(parsed.nonce).toEqual(new Uint8Array(32).fill(7));
  });
});

describe("hostile and malformed requests are OcspRequestError", () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ["empty body", () => new Uint8Array(0), /malformed DER/],
    ["not a SEQUENCE", () => new Uint8Array([0x04, 0x00]), /OCSPRequest/],
    ["bytes after the request", () => new Uint8Array([...request([certId()]), 0]), /bytes after/],
    ["too many CertIDs", () => request(Array.from({ length: MAX_CERT_IDS + 1 }, () => certId())), /more than 16/],
    ["no CertID", () => request([]), /empty/],
    [
      "MD5 CertID",
      () => request([certId({ hashOid: "1.2.840.113549.2.5", nameHash: new Uint8Array(16), keyHash: new Uint8Array(16) })]),
      /unsupported CertID hash/,
    ],
    ["an unknown hash OID", () => request([certId({ hashOid: "1.2.3.4" })]), /unsupported CertID hash/],
    ["hash length not the algorithm's", () => request([certId({ nameHash: new Uint8Array(32) })]), /hash length/],
    ["hash parameters that are not NULL", () => request([certId({ params: new Uint8Array([4, 0]) })]), /not NULL/],
    ["a serial with a redundant 00", () => request([certId({ serial: new Uint8Array([0, 0x12]) })]), /minimally/],
    ["a 40-octet serial", () => request([certId({ serial: new Uint8Array(40).fill(0x11) })]), /serialNumber length/],
    ["an empty nonce", () => request([certId()], [nonceExtension(new Uint8Array(0))]), /0 octets/],
    ["a 33-octet nonce", () => request([certId()], [nonceExtension(new Uint8Array(33))]), /33 octets/],
    ["two nonces", () => request([certId()], [nonceExtension(new Uint8Array(16)), nonceExtension(new Uint8Array(16))]), /two nonce/],
    [
      "a nonce that is not an OCTET STRING",
      () => request([certId()], [tlv(TAG.SEQUENCE, oid("1.3.6.1.5.5.7.48.1.2"), tlv(TAG.OCTET_STRING, new Uint8Array(16).fill(9)))]),
      /not an OCTET STRING/,
    ],
    [
      "an unknown critical extension",
      () => request([certId()], [tlv(TAG.SEQUENCE, oid("1.2.3.4.5"), new Uint8Array([1, 1, 0xff]), tlv(TAG.OCTET_STRING, new Uint8Array(0)))]),
      /critical/,
    ],
    [
      "nine extensions",
      () =>
        request(
          [certId()],
          Array.from({ length: 9 }, () => tlv(TAG.SEQUENCE, oid("1.2.3"), tlv(TAG.OCTET_STRING, new Uint8Array(0)))),
        ),
      /more than 8/,
    ],
    [
      "a version other than v1",
      () => tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(0xa0, tlv(TAG.INTEGER, new Uint8Array([1]))), tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, certId())))),
      /v1/,
    ],
    [
      "nesting 2,000 SEQUENCEs deep",
      () => {
        let d: Uint8Array = new Uint8Array(0);
        for (let i = 0; i < 2000; i++) d = tlv(TAG.SEQUENCE, d);
        return d;
      },
      /./,
    ],
    ["a multi-byte tag", () => new Uint8Array([0x30, 0x03, 0x1f, 0x81, 0x00]), /malformed DER/],
    ["an indefinite length", () => new Uint8Array([0x30, 0x80, 0x00, 0x00]), /malformed DER/],
    ["a length past the end", () => new Uint8Array([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]), /malformed DER/],
    ["over 8 KiB", () => request(Array.from({ length: 4 }, () => certId({ serial: new Uint8Array(3000).fill(1) }))), /too large/],
  ];
  for (const [name, make, why] of cases) {
    it(name, () => expect(refusal(make())).toMatch(why));
  }

  it("a critical nonce, acceptable-responses and preferred-signature extensions are understood, not refused", () => {
    const ignored = [oid("1.3.6.1.5.5.7.48.1.4"), oid("1.3.6.1.5.5.7.48.1.8")].map((id) =>
      tlv(TAG.SEQUENCE, id, new Uint8Array([1, 1, 0xff]), tlv(TAG.OCTET_STRING, tlv(TAG.SEQUENCE))),
    );
    expect(parseOcspRequest(request([certId()], [nonceExtension(new Uint8Array(20), true), ...ignored])).nonce).toHaveLength(20);
  });

  it("thousands of mutations of real openssl requests fail only as OcspRequestError", () => {
    const seeds = [opensslRequest(ca, [randomSerialHex()]).der, opensslRequest(ca, [randomSerialHex(), "01"], { hash: "sha256", nonce: false }).der];
    const random = prng(6960);
    const unexpected: string[] = [];
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const seed = seeds[i % seeds.length]!;
      const input = i % 2 ? mutateBytes(seed, random) : mutateStructure(seed, random);
      try {
        parseOcspRequest(input);
      } catch (e) {
        if (e instanceof OcspRequestError) refused++;
        else if (unexpected.length < 5) unexpected.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    expect(unexpected).toEqual([]);
    expect(refused).toBeGreaterThan(1000); // the mutations really do break requests
  });
});
