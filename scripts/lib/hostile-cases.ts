// The hostile PKIOperation inputs of `npm run bench:hostile` and test/worker/hostile-inputs, with
// the answer each must get: an HTTP 4xx before authentication, a signed CertRep FAILURE after,
// never a 500 (docs/security.md, "Before any credential"). One list, so the benchmark measures
// exactly what the test asserts.
import { randomBytes } from "node:crypto";
import { spkiOfPrivateKey } from "../../src/crypto/keys";
import { MessageType } from "../../src/scep/oids";
import { bytesToHex } from "../../src/util/bytes";
import {
  hostileCsr,
  hostileMessage,
  hugeIssuerAndSerial,
  issuerAndSubject,
  junkAttributes,
  junkExtensions,
  manyRdns,
  nestedAttribute,
  oddOfBits,
  rsaSpki,
  signerCertificate,
  toIndefinite,
  type HostileTarget,
} from "./hostile-scep";

/** What the server must answer: an HTTP status with a text, or a CertRep with a failInfo and text. */
export type Expected = { http: number; text: RegExp } | { failInfo: number; text: RegExp } | { success: true };

export interface HostileCase {
  name: string;
  /** The request body (POST), built once: nothing of a refused request is stored, so it may repeat. */
  body: Uint8Array;
  /** Send as GET ?message=<base64> instead of POST. */
  get?: boolean;
  expect: Expected;
  /** Too slow to build in a workerd test (key generation): the benchmark only. */
  benchOnly?: boolean;
}

const BAD_REQUEST = 2;
const BAD_CERT_ID = 4;
const rnd = () => bytesToHex(new Uint8Array(randomBytes(6)));
const WRONG = "not-the-challenge";
const wrongCsr = (t: HostileTarget, extra: Parameters<typeof hostileCsr>[0] = { key: t.key }) => hostileCsr({ challenge: WRONG, ...extra });
const unverifiable = /malformed or unverifiable pkiMessage/;
const challengeRefused = /challenge password missing or not accepted/;

/** The plain wrong-challenge refusal every other row is compared with. */
export function wrongChallenge(t: HostileTarget): HostileCase {
  return {
    name: "a wrong challenge (baseline)",
    body: hostileMessage(t, { data: wrongCsr(t) }),
    expect: { failInfo: BAD_REQUEST, text: challengeRefused },
  };
}

export function hostileCases(t: HostileTarget): HostileCase[] {
  const cases: HostileCase[] = [
    { name: "6 bytes of garbage", body: Uint8Array.of(0x30, 0x82, 0xff, 0xff, 1, 2), expect: { http: 400, text: unverifiable } },
    {
      name: "CSR subject of 3,360 RDNs (49 KB), wrong challenge",
      body: hostileMessage(t, { data: wrongCsr(t, { key: t.key, subjectDer: manyRdns(3360) }) }),
      expect: { failInfo: BAD_REQUEST, text: /certificate request is too large/ },
    },
    {
      name: "CSR subject of 200 RDNs (3 KB), wrong challenge",
      body: hostileMessage(t, { data: wrongCsr(t, { key: t.key, subjectDer: manyRdns(200) }) }),
      expect: { failInfo: BAD_REQUEST, text: /more than 16 RDNs/ },
    },
    {
      name: "CSR with 4,318 requested extensions (39 KB), wrong challenge",
      body: hostileMessage(t, { data: wrongCsr(t, { key: t.key, extensions: junkExtensions(4318) }) }),
      expect: { failInfo: BAD_REQUEST, text: /certificate request is too large/ },
    },
    {
      name: "CSR with 200 requested extensions (2 KB), wrong challenge",
      body: hostileMessage(t, { data: wrongCsr(t, { key: t.key, extensions: junkExtensions(200) }) }),
      expect: { failInfo: BAD_REQUEST, text: /more than 32 requested extensions/ },
    },
    {
      name: "GetCert naming an issuer of 9,667 RDNs (38 KB)",
      body: hostileMessage(t, { messageType: MessageType.GetCert, data: hugeIssuerAndSerial(9667) }),
      expect: { failInfo: BAD_CERT_ID, text: /no certificate with this serial number/ },
    },
    {
      name: "60-deep BER nesting (indefinite lengths)",
      body: toIndefinite(hostileMessage(t, { data: wrongCsr(t), attributes: [nestedAttribute(52)] })),
      expect: { http: 400, text: unverifiable },
    },
    {
      name: "eContent in 20,000 empty BER segments, wrong challenge",
      body: hostileMessage(t, { data: wrongCsr(t), emptySegments: 20_000 }),
      expect: { http: 400, text: unverifiable },
    },
    {
      name: "40 certificates in the SignedData",
      body: hostileMessage(t, { data: wrongCsr(t), extraCertificates: Array.from({ length: 40 }, () => t.recipient.der) }),
      expect: { http: 400, text: unverifiable },
    },
    {
      name: "1,500 signed attributes, not in DER order",
      body: hostileMessage(t, { data: wrongCsr(t), attributes: junkAttributes(1500), attributeOrder: "reversed" }),
      expect: { http: 400, text: unverifiable },
    },
    {
      name: "150 recipientInfos",
      body: hostileMessage(t, { data: wrongCsr(t), extraRecipients: 150 }),
      expect: { http: 400, text: /could not be decrypted/ },
    },
    {
      name: "signer key RSA-16384 (random modulus)",
      body: hostileMessage(t, {
        data: wrongCsr(t),
        signer: { certDer: signerCertificate(t.key, rsaSpki(oddOfBits(16384), Uint8Array.of(1, 0, 1))) },
      }),
      expect: { http: 400, text: unverifiable },
    },
    {
      name: "signer key RSA-3072 with a 3,071-bit exponent",
      body: hostileMessage(t, { data: wrongCsr(t), signer: { certDer: signerCertificate(t.key, rsaSpki(oddOfBits(3072), oddOfBits(3071))) } }),
      expect: { http: 400, text: unverifiable },
    },
    {
      name: "CSR key RSA-16384 (random modulus), wrong challenge",
      body: hostileMessage(t, { data: wrongCsr(t, { key: t.key, spkiDer: rsaSpki(oddOfBits(16384), Uint8Array.of(1, 0, 1)) }) }),
      expect: { failInfo: BAD_REQUEST, text: /too large \(maximum 8192\)/ },
    },
    {
      name: "CSR key RSA-3072 with a 3,071-bit exponent, wrong challenge",
      body: hostileMessage(t, { data: wrongCsr(t, { key: t.key, spkiDer: rsaSpki(oddOfBits(3072), oddOfBits(3071)) }) }),
      // Node's OpenSSL reads the key and the policy names the exponent; workerd's BoringSSL cannot read it.
      expect: { failInfo: BAD_REQUEST, text: /key refused: (RSA public exponent of 3071 bits|key type RSA with a modulus or exponent out of range)/ },
    },
    {
      name: "50,000-character transactionID",
      body: hostileMessage(t, { data: wrongCsr(t), transactionId: "7".repeat(50_000) }),
      expect: { http: 400, text: unverifiable },
    },
    {
      name: "CertPoll for an unknown transaction",
      body: hostileMessage(t, { messageType: MessageType.CertPoll, data: issuerAndSubject(t.caSubjectDer, `nobody-${rnd()}`) }),
      expect: { failInfo: BAD_CERT_ID, text: /no request with this transactionID/ },
    },
  ];
  const big = t.bigKey;
  if (big) {
    cases.push({
      name: "signer and CSR key RSA-8192 (the largest allowed), wrong challenge",
      body: hostileMessage(t, {
        data: wrongCsr(t, { key: big }),
        signer: { certDer: signerCertificate(big, spkiOfPrivateKey(big)), key: big },
      }),
      expect: { failInfo: BAD_REQUEST, text: challengeRefused },
      benchOnly: true,
    });
  }
  return cases;
}
