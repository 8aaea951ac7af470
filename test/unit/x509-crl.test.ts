// The CRL is written as raw DER (src/x509/crl.ts). pkijs, an unrelated ASN.1 implementation, builds
// the same CRL here from the same input; the bytes must be identical (they were pkijs's before), and
// openssl-equivalent parsing (Node's X509Certificate cannot read CRLs) is left to test/interop/ledger-crl.
import { createSign } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { beforeAll, describe, expect, it } from "vitest";
import { generateCa } from "../../src/ca/ca-generate";
import { loadCaMaterial, type CaMaterial } from "../../src/ca/ca-material";
import { signatureAlgorithmFor } from "../../src/crypto/signature";
import { bytesToHex, hexToBytes, toArrayBuffer, toBytes } from "../../src/util/bytes";
import { buildCrl, type CrlEntry } from "../../src/x509/crl";
import { parseCertificate } from "../support/pkijs";
import { randomBytes } from "./ca-test-helpers";

function pkijsCrl(ca: CaMaterial, number: number, thisUpdate: Date, nextUpdate: Date, entries: CrlEntry[]): Uint8Array {
  const time = (d: Date) => new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: new Date(Math.floor(d.getTime() / 1000) * 1000) });
  const ext = (oid: string, value: asn1js.AsnType) => new pkijs.Extension({ extnID: oid, critical: false, extnValue: value.toBER(false) });
  const alg = signatureAlgorithmFor(ca.caKey, "sha256");
  const sigAlg = alg.nullParams
    ? new pkijs.AlgorithmIdentifier({ algorithmId: alg.oid, algorithmParams: new asn1js.Null() })
    : new pkijs.AlgorithmIdentifier({ algorithmId: alg.oid });
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.signature = sigAlg;
  crl.issuer = parseCertificate(ca.caCertDer).subject;
  crl.thisUpdate = time(thisUpdate);
  crl.nextUpdate = time(nextUpdate);
  if (entries.length > 0) {
    crl.revokedCertificates = entries.map(
      (e) =>
        new pkijs.RevokedCertificate({
          userCertificate: new asn1js.Integer({ valueHex: toArrayBuffer(hexToBytes(e.serialHex)) }),
          revocationDate: time(e.revokedAt),
          ...(e.reason !== 0
            ? { crlEntryExtensions: new pkijs.Extensions({ extensions: [ext("2.5.29.21", new asn1js.Enumerated({ value: e.reason }))] }) }
            : {}),
        }),
    );
  }
  const aki = new asn1js.Sequence({
    value: [new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: toArrayBuffer(ca.caSubjectKeyId) })],
  });
  crl.crlExtensions = new pkijs.Extensions({ extensions: [ext("2.5.29.35", aki), ext("2.5.29.20", new asn1js.Integer({ value: number }))] });
  crl.tbsView = new Uint8Array((crl as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  crl.signatureAlgorithm = sigAlg;
  // RSA PKCS#1 v1.5 signatures are deterministic, so the signature bytes match as well.
  const signature = createSign("sha256").update(crl.tbsView).sign(ca.caKey.key);
  crl.signatureValue = new asn1js.BitString({ valueHex: toArrayBuffer(new Uint8Array(signature)) });
  return toBytes(crl.toSchema().toBER());
}

let ca: CaMaterial;
beforeAll(() => {
  const pair = generateCa({
    subject: { commonName: "CRL Test CA", organization: "Edge SCEP tests" },
    key: { algorithm: "rsa", bits: 2048 },
    validityDays: 3650,
    now: new Date("2026-11-01T00:00:00Z"),
    randomBytes,
  });
  ca = loadCaMaterial({ caCertPem: pair.certPem, caKeyPem: pair.keyPem });
});

const T0 = new Date("2026-11-28T12:00:00.750Z");
const ENTRIES: CrlEntry[] = [
  { serialHex: "0102030405060708090A0B0C0D0E0F10", revokedAt: new Date("2026-11-20T08:00:00Z"), reason: 0 },
  { serialHex: "7F", revokedAt: new Date("2026-11-21T08:00:00Z"), reason: 1 },
  { serialHex: "11223344", revokedAt: new Date("2026-11-22T08:00:00Z"), reason: 4 },
  { serialHex: "55", revokedAt: new Date("2026-11-23T08:00:00Z"), reason: 9 },
];

describe("buildCrl writes what pkijs writes", () => {
  it.each([
    { what: "no entries, CRL number 1", number: 1, entries: [] as CrlEntry[], next: new Date(T0.getTime() + 86_400_000) },
    { what: "entries with and without a reason code", number: 2, entries: ENTRIES, next: new Date(T0.getTime() + 86_400_000) },
    { what: "CRL number 127 (one octet)", number: 127, entries: ENTRIES.slice(1, 2), next: new Date(T0.getTime() + 3_600_000) },
    { what: "CRL number 128 (a sign octet)", number: 128, entries: [], next: new Date(T0.getTime() + 3_600_000) },
    { what: "CRL number 65536", number: 65536, entries: [], next: new Date(T0.getTime() + 3_600_000) },
    { what: "nextUpdate in 2050 (GeneralizedTime)", number: 3, entries: [], next: new Date("2050-01-02T00:00:00Z") },
  ])("$what", ({ number, entries, next }) => {
    const ours = buildCrl({
      issuerDer: ca.caSubjectDer,
      authorityKeyId: ca.caSubjectKeyId,
      signer: ca.caKey,
      number,
      thisUpdate: T0,
      nextUpdate: next,
      entries,
    });
    expect(bytesToHex(ours)).toBe(bytesToHex(pkijsCrl(ca, number, T0, next, entries)));
  });

  it("refuses a negative CRL number", () => {
    expect(() =>
      buildCrl({
        issuerDer: ca.caSubjectDer,
        authorityKeyId: ca.caSubjectKeyId,
        signer: ca.caKey,
        number: -1,
        thisUpdate: T0,
        nextUpdate: T0,
        entries: [],
      }),
    ).toThrow(RangeError);
  });
});
