// buildCertRep (RFC 8894 §3.3.2) round trip: our parser, openssl, and a byte-level ASN.1 walk.
import type { CertView } from "../../src/x509/cert-view";
import * as asn1js from "asn1js";
import { createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCertRep, type CertRepOutcome } from "../../src/scep/cert-rep";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { decryptEnvelope, recipientKeyFor } from "../../src/scep/envelope";
import { buildCertsOnly } from "../../src/scep/signed-data";
import { parseCertsOnly } from "../../src/scep/certs-only";
import type { ContentCipherName } from "../../src/scep/content-cipher";
import { FailInfo, MessageType, SCEP_OID, PkiStatus } from "../../src/scep/oids";
import { OID } from "../../src/asn1/oids";
import type { HashName } from "../../src/crypto/algorithms";
import { generateCa, generateKeyPair } from "../../src/ca/ca-generate";
import { loadCaMaterial, type CaMaterial } from "../../src/ca/ca-material";
import { selfSignedSigner } from "../../src/client/csr-builder";
import { importPrivateKeyPem, type PrivateKeyHandle } from "../../src/crypto/keys";
import { bytesEqual, bytesToHex } from "../../src/util/bytes";
import { toPem } from "../../src/asn1/pem";
import { attributesIn, children, hasIndefiniteLength, parseAsn1, readTlv, splitTlvs, walk } from "./support/asn1-walk";
import { openssl, randomBytes, scratchDir } from "./support/real-clients";

const now = new Date("2026-11-28T12:00:00Z");
const TX_CERTMONGER = "57954513550285707612597746439113506167488499812100491793953532251066378146541";
const TX_BASE64 = "a+b/cd==";
const REQUEST_NONCE = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

let ca: CaMaterial;
let clientKey: PrivateKeyHandle;
let clientCert: CertView;

beforeAll(() => {
  const pair = generateCa({ subject: { commonName: "CertRep Test CA" }, key: { algorithm: "rsa", bits: 2048 }, validityDays: 365, now, randomBytes });
  ca = loadCaMaterial({ caCertPem: pair.certPem, caKeyPem: pair.keyPem });
  clientKey = importPrivateKeyPem(generateKeyPair({ algorithm: "rsa", bits: 2048 }).keyPem);
  clientCert = selfSignedSigner(clientKey, { commonName: "SCEP SIGNER", organization: "scep-client" }, now, randomBytes);
});

function build(outcome: CertRepOutcome, tx = TX_CERTMONGER, hash: HashName = "sha256", rnd = randomBytes): Uint8Array {
  return buildCertRep({
    reply: { transactionIdBytes: new TextEncoder().encode(tx), requestNonce: REQUEST_NONCE, hash },
    outcome,
    signer: { cert: ca.caCert, key: ca.caKey },
    certificates: [ca.caCert],
    randomBytes: rnd,
  });
}

function success(cipher: ContentCipherName = "aes-256-cbc"): CertRepOutcome {
  return {
    status: PkiStatus.SUCCESS,
    payload: buildCertsOnly([clientCert.der, ca.caCertDer]),
    recipientCert: clientCert,
    recipientPublicKey: createPublicKey(clientKey.key),
    cipher,
  };
}
const failure: CertRepOutcome = { status: PkiStatus.FAILURE, failInfo: FailInfo.badRequest, failInfoText: "challenge refusé" };
const pending: CertRepOutcome = { status: PkiStatus.PENDING };

/** The SignedData's SEQUENCE children: version, digestAlgorithms, encapContentInfo, [certs], ..., signerInfos. */
function signedDataParts(der: Uint8Array) {
  const contentInfo = parseAsn1(der);
  const explicit = children(contentInfo)[1]!;
  const sd = children(explicit)[0]!;
  const parts = children(sd);
  return { encap: parts[2]!, signerInfos: parts[parts.length - 1]! };
}

const outcomes = [
  ["SUCCESS", () => success()],
  ["FAILURE", () => failure],
  ["PENDING", () => pending],
] as const;

describe.each(outcomes)("CertRep %s", (name, outcome) => {
  it("parses and verifies: messageType 3, pkiStatus, recipientNonce, fresh 16-byte senderNonce", () => {
    const der = build(outcome());
    const m = parsePkiMessage(der);
    expect(m.messageType).toBe(MessageType.CertRep);
    expect(m.pkiStatus).toBe({ SUCCESS: 0, FAILURE: 2, PENDING: 3 }[name]);
    expect(bytesEqual(m.recipientNonce!, REQUEST_NONCE)).toBe(true);
    expect(m.senderNonce).toHaveLength(16);
    expect(bytesEqual(m.senderNonce, REQUEST_NONCE)).toBe(false);
    expect(bytesEqual(parsePkiMessage(build(outcome())).senderNonce, m.senderNonce)).toBe(false);
    expect(m.hash).toBe("sha256");
    expect(bytesEqual(m.signerCertDer, ca.caCertDer)).toBe(true);
  });

  it.each([TX_CERTMONGER, TX_BASE64, "zPGHKyx6fkRgwr28OQwWm6SQxxw="])("echoes transactionID %s byte for byte", (tx) => {
    const der = build(outcome(), tx);
    const m = parsePkiMessage(der);
    expect(m.transactionId).toBe(tx);
    expect(bytesToHex(m.transactionIdBytes)).toBe(bytesToHex(new TextEncoder().encode(tx)));
    // ...and the encoded attribute is a PrintableString holding exactly those octets.
    const value = attributesIn(parseAsn1(der)).get(SCEP_OID.transactionID)![0]!;
    expect(value.idBlock.tagNumber).toBe(19);
  });

  it("SCEP strings are PrintableString, failInfoText UTF8String; contentType and messageDigest present; one SignerInfo", () => {
    const der = build(outcome());
    const attrs = attributesIn(parseAsn1(der));
    for (const oid of [SCEP_OID.messageType, SCEP_OID.pkiStatus, SCEP_OID.transactionID]) {
      expect(attrs.get(oid), oid).toHaveLength(1);
      expect(attrs.get(oid)![0]).toBeInstanceOf(asn1js.PrintableString);
    }
    for (const oid of [SCEP_OID.senderNonce, SCEP_OID.recipientNonce, OID.messageDigest])
      expect(attrs.get(oid)![0]).toBeInstanceOf(asn1js.OctetString);
    const ct = attrs.get(OID.contentType)![0]!;
    expect(ct).toBeInstanceOf(asn1js.ObjectIdentifier);
    expect((ct as asn1js.ObjectIdentifier).valueBlock.toString()).toBe(OID.data);
    if (name === "FAILURE") {
      expect(attrs.get(SCEP_OID.failInfo)![0]).toBeInstanceOf(asn1js.PrintableString);
      expect((attrs.get(SCEP_OID.failInfo)![0] as asn1js.PrintableString).valueBlock.value).toBe("2");
      expect(attrs.get(SCEP_OID.failInfoText)![0]).toBeInstanceOf(asn1js.Utf8String);
      const m = parsePkiMessage(der);
      expect(m.failInfo).toBe(FailInfo.badRequest);
      expect(m.failInfoText).toBe("challenge refusé");
    } else {
      expect(attrs.has(SCEP_OID.failInfo)).toBe(false);
      expect(attrs.has(SCEP_OID.failInfoText)).toBe(false);
    }
    expect(children(signedDataParts(der).signerInfos)).toHaveLength(1);
  });

  it("envelope only on SUCCESS; FAILURE/PENDING carry an empty eContent (certmonger's PKCS7_verify needs content)", () => {
    const der = build(outcome());
    const encap = children(signedDataParts(der).encap);
    expect((encap[0] as asn1js.ObjectIdentifier).valueBlock.toString()).toBe(OID.data);
    expect(encap).toHaveLength(2);
    const eContentBytes = new Uint8Array(encap[1]!.toBER(false));
    if (name === "SUCCESS") expect(eContentBytes.length).toBeGreaterThan(100);
    else expect(Buffer.from(eContentBytes).toString("hex")).toBe("a0020400"); // [0] { OCTET STRING (0 bytes) }
    expect(parsePkiMessage(der).envelope === undefined).toBe(name !== "SUCCESS");
  });

  it("is DER: definite lengths, asn1js re-encodes it to the same bytes, signed attributes sorted", () => {
    const der = build(outcome());
    expect(hasIndefiniteLength(der)).toBe(false);
    expect(bytesToHex(new Uint8Array(parseAsn1(der).toBER(false)))).toBe(bytesToHex(der));
    // signedAttrs [0] IMPLICIT SET OF: element encodings in ascending order (X.690 §11.6).
    const signerInfo = children(signedDataParts(der).signerInfos)[0]!;
    const signedAttrs = new Uint8Array(
      children(signerInfo)
        .find((c) => c.idBlock.tagClass === 3 && c.idBlock.tagNumber === 0)!
        .toBER(false),
    );
    const elements = splitTlvs(readTlv(signedAttrs).content).map((e) => Buffer.from(e));
    const sorted = [...elements].sort(Buffer.compare);
    expect(elements.map((e) => e.toString("hex"))).toEqual(sorted.map((e) => e.toString("hex")));
  });

  it("openssl cms -verify accepts it against the CA, and asn1parse shows no indefinite length", () => {
    const der = build(outcome());
    const s = scratchDir();
    const file = s.write("rep.der", der);
    const caFile = s.write("ca.pem", toPem("CERTIFICATE", ca.caCertDer));
    const args = [
      "cms",
      "-verify",
      "-inform",
      "DER",
      "-in",
      file,
      "-CAfile",
      caFile,
      "-purpose",
      "any",
      "-attime",
      String(Math.floor(now.getTime() / 1000) + 60),
      "-out",
      s.dir + "/out.bin",
    ];
    // FAILURE/PENDING carry no content: openssl treats them as detached over the empty string.
    if (name !== "SUCCESS") args.push("-content", s.write("empty", new Uint8Array(0)), "-binary");
    const verified = openssl(args);
    expect(verified.out).toMatch(/Verification successful/);
    expect(verified.status).toBe(0);
    const parsed = openssl(["asn1parse", "-inform", "DER", "-in", file]);
    expect(parsed.status).toBe(0);
    expect(parsed.out).not.toMatch(/\binf\b/);
  });
});

describe("CertRep SUCCESS envelope", () => {
  it.each<ContentCipherName>(["aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "des-ede3-cbc", "des-cbc"])(
    "%s: decrypts with the request signer's key to the certs-only payload",
    (cipher) => {
      const der = build(success(cipher), TX_BASE64, "sha1");
      const m = parsePkiMessage(der);
      expect(m.hash).toBe("sha1");
      const d = decryptEnvelope(m.envelope!, [recipientKeyFor(clientCert, clientKey)], { allowLegacyDes: true, randomBytes });
      expect(d.cipher).toBe(cipher);
      const { certificates } = parseCertsOnly(d.content);
      expect(certificates.map((c) => bytesToHex(c))).toEqual([bytesToHex(clientCert.der), bytesToHex(ca.caCertDer)]);
      expect(hasIndefiniteLength(m.envelope!)).toBe(false);
    },
  );

  it("the envelope names the recipient by issuerAndSerialNumber of the signer certificate", () => {
    const m = parsePkiMessage(build(success()));
    let found = false;
    walk(parseAsn1(m.envelope!), (n) => {
      if (n instanceof asn1js.Integer && bytesToHex(new Uint8Array(n.valueBlock.valueHexView)) === bytesToHex(clientCert.serial)) found = true;
    });
    expect(found).toBe(true);
  });
});
