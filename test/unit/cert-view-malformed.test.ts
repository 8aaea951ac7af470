// parseCertView on certificates with one field broken (RFC 5280 §4.1): each is refused with DerError,
// never a TypeError or RangeError (a signer certificate with an empty signatureAlgorithm used to be
// an HTTP 500). The base is micromdm's test CA: v3, RSA, extensions keyUsage, basicConstraints, SKI.
import { describe, expect, it } from "vitest";
import { concatBytes, utf8 } from "../../src/util/bytes";
import { DerError } from "../../src/asn1/der";
import { parsePem } from "../../src/asn1/pem";
import { parseCertView } from "../../src/x509/cert-view";
import { edited, type DerNode } from "../support/der-tree";
import { fixtureText } from "./support/real-clients";

const base = parsePem(fixtureText("test-ca.pem"))[0]!.der;

// Paths of child indices: Certificate = [tbs 0, signatureAlgorithm 1, signatureValue 2];
// tbs = [version 0, serial 1, signature 2, issuer 3, validity 4, subject 5, spki 6, [3] extensions 7].
const SIG_ALG = [1];
const SIG_VALUE = [2];
const TBS_SIG_ALG = [0, 2];
const VALIDITY = [0, 4];
const EXTENSIONS = [0, 7];
const SKI = [0, 7, 0, 2];

const empty = (n: DerNode) => {
  if (n.children) n.children = [];
  else n.value = new Uint8Array(0);
};
const retag = (tag: number) => (n: DerNode) => void (n.tag = tag);
const withValue = (value: Uint8Array) => (n: DerNode) => void (n.value = value);
const dropChild = (i: number) => (n: DerNode) => void n.children!.splice(i, 1);
const time =
  (text: string, tag = 0x17) =>
  (n: DerNode) =>
    Object.assign(n, { tag, value: utf8(text), children: undefined });

const CASES: [string, Uint8Array][] = [
  ["signatureAlgorithm is an empty SEQUENCE", edited(base, SIG_ALG, empty)],
  ["signatureAlgorithm is absent", edited(base, SIG_ALG, (_n, parent) => parent!.children!.splice(1, 1))],
  [
    "signatureAlgorithm is not a SEQUENCE",
    edited(base, SIG_ALG, (n) => Object.assign(n, { tag: 0x04, children: undefined, value: new Uint8Array(3) })),
  ],
  ["signatureAlgorithm holds an OCTET STRING where the OID belongs", edited(base, [...SIG_ALG, 0], retag(0x04))],
  ["signatureAlgorithm OID with no content", edited(base, [...SIG_ALG, 0], empty)],
  ["signatureAlgorithm OID whose last arc is cut", edited(base, [...SIG_ALG, 0], withValue(Uint8Array.of(0x2a, 0x86)))],
  ["TBS signature AlgorithmIdentifier is empty", edited(base, TBS_SIG_ALG, empty)],
  ["TBS signature AlgorithmIdentifier holds an INTEGER where the OID belongs", edited(base, [...TBS_SIG_ALG, 0], retag(0x02))],
  ["serialNumber INTEGER with no content", edited(base, [0, 1], empty)],
  ["validity without notAfter", edited(base, VALIDITY, dropChild(1))],
  ["validity empty", edited(base, VALIDITY, empty)],
  ["validity is not a SEQUENCE", edited(base, VALIDITY, (n) => Object.assign(n, { tag: 0x04, children: undefined, value: new Uint8Array(0) }))],
  ["notBefore is an OCTET STRING", edited(base, [...VALIDITY, 0], retag(0x04))],
  ["notBefore month 13", edited(base, [...VALIDITY, 0], time("261328053051Z"))],
  ["notBefore day 0", edited(base, [...VALIDITY, 0], time("261100053051Z"))],
  ["notBefore 31 November", edited(base, [...VALIDITY, 0], time("261131053051Z"))],
  ["notAfter hour 24", edited(base, [...VALIDITY, 1], time("361128243051Z"))],
  ["notAfter minute 60", edited(base, [...VALIDITY, 1], time("361128056051Z"))],
  ["notAfter GeneralizedTime with letters", edited(base, [...VALIDITY, 1], time("2036112805305xZ", 0x18))],
  ["notAfter without Z", edited(base, [...VALIDITY, 1], time("361128053051"))],
  ["subject missing (TBSCertificate too short)", edited(base, [0], (n) => void n.children!.splice(5))],
  [
    "subjectPublicKeyInfo is not a SEQUENCE",
    edited(base, [0, 6], (n) => Object.assign(n, { tag: 0x02, children: undefined, value: Uint8Array.of(1) })),
  ],
  ["extensions [3] empty", edited(base, EXTENSIONS, empty)],
  ["extensions [3] holds an INTEGER", edited(base, EXTENSIONS, (n) => void (n.children = [{ tag: 0x02, value: Uint8Array.of(1) }]))],
  ["an extension with no fields", edited(base, [...EXTENSIONS, 0, 0], empty)],
  ["an extension without extnValue", edited(base, [...EXTENSIONS, 0, 1], dropChild(2))],
  ["an extension with only its OID", edited(base, SKI, dropChild(1))],
  ["an extension whose extnID is not an OID", edited(base, [...SKI, 0], retag(0x04))],
  ["an extension with four fields", edited(base, [...EXTENSIONS, 0, 0], (n) => void n.children!.push({ tag: 0x04, value: new Uint8Array(1) }))],
  [
    "an extension that is not a SEQUENCE",
    edited(base, [...EXTENSIONS, 0, 0], (n) => Object.assign(n, { tag: 0x04, children: undefined, value: new Uint8Array(2) })),
  ],
  ["SKI extnValue is not an OCTET STRING", edited(base, [...SKI, 1], retag(0x03))],
  ["SKI value inside extnValue is a SEQUENCE, not an OCTET STRING", edited(base, [...SKI, 1], withValue(Uint8Array.of(0x30, 0x02, 0x05, 0x00)))],
  ["SKI extnValue empty", edited(base, [...SKI, 1], empty)],
  [
    "SKI extnValue with trailing bytes after the key identifier",
    edited(base, [...SKI, 1], (n) => void (n.value = concatBytes(n.value!, Uint8Array.of(0)))),
  ],
  ["signatureValue BIT STRING without the unused-bits octet", edited(base, SIG_VALUE, empty)],
  [
    "signatureValue BIT STRING with unused bits",
    edited(base, SIG_VALUE, (n) => void (n.value = concatBytes(Uint8Array.of(3), n.value!.subarray(1)))),
  ],
  ["signatureValue is an OCTET STRING", edited(base, SIG_VALUE, retag(0x04))],
  ["a fourth element in Certificate", edited(base, [], (n) => void n.children!.push({ tag: 0x05, value: new Uint8Array(0) }))],
  ["trailing data after the certificate", concatBytes(base, Uint8Array.of(0x05, 0x00))],
  ["TBSCertificate is not a SEQUENCE", edited(base, [0], retag(0x31))],
];

describe("parseCertView refuses a broken certificate with DerError", () => {
  it("the unbroken base parses", () => {
    const v = parseCertView(base);
    expect(v.signatureAlgorithmOid).toBe("1.2.840.113549.1.1.11");
    expect(v.notBefore.toISOString()).toBe("2026-11-28T05:30:51.000Z");
    expect(v.subjectKeyId).toHaveLength(20);
  });

  it.each(CASES)("%s", (_name, der) => {
    let thrown: unknown;
    try {
      parseCertView(der);
    } catch (e) {
      thrown = e;
    }
    expect(thrown, String(thrown)).toBeInstanceOf(DerError);
  });

  it("still accepts GeneralizedTime, 29 February, a UTCTime without seconds (lenient, as before) and an explicit critical FALSE", () => {
    const gt = parseCertView(edited(base, [...VALIDITY, 1], time("20501231235959Z", 0x18)));
    expect(gt.notAfter.toISOString()).toBe("2050-12-31T23:59:59.000Z");
    const leap = parseCertView(edited(base, [...VALIDITY, 0], time("240229000000Z")));
    expect(leap.notBefore.toISOString()).toBe("2024-02-29T00:00:00.000Z");
    const noSeconds = parseCertView(edited(base, [...VALIDITY, 0], time("2611280530Z")));
    expect(noSeconds.notBefore.toISOString()).toBe("2026-11-28T05:30:00.000Z");
    const nonCritical = parseCertView(edited(base, SKI, (n) => void n.children!.splice(1, 0, { tag: 0x01, value: Uint8Array.of(0) })));
    expect(nonCritical.subjectKeyId).toHaveLength(20);
  });
});
