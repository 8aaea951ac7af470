// Golden real-client requests (PROVENANCE.md): each verifies, decrypts with the fixture CA key and
// carries the PKCS#10 the client meant. One row per client quirk.
import * as asn1js from "asn1js";
import { describe, expect, it } from "vitest";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { decryptEnvelope, EnvelopeError } from "../../src/scep/envelope";
import { MessageType } from "../../src/scep/oids";
import { OID } from "../../src/asn1/oids";
import { certificateDer, parseCertificate } from "../support/pkijs";
import { bytesEqual } from "../../src/util/bytes";
import { commonName, fixedBytes, fixtureBytes, fixtureCaCert, fixtureCaRecipient, parseCsr } from "./support/real-clients";

interface Row {
  quirk: string;
  file: string;
  messageType: MessageType;
  transactionId: RegExp | string;
  hash: "sha1" | "sha256";
  cipher: "des-cbc" | "aes-256-cbc" | "des-ede3-cbc";
  cn: string;
  challenge: string;
  signer: "self-signed" | "issued by fixture CA";
  signerCn: string;
}

const SCEPCLIENT_TX = /^[A-Za-z0-9+/]{27}=$/; // base64 of a SHA-1: 28 chars, one '='
const CERTMONGER_TX = /^\d{77}$/; // decimal 256-bit serial of the minicert

const rows: Row[] = [
  {
    quirk: "scepclient PKCSReq: single DES, SHA-1, base64 SHA-1 transactionID, 'SCEP SIGNER' self-signed signer",
    file: "scepclient-PKCSReq-des-sha1.req.der",
    messageType: MessageType.PKCSReq,
    transactionId: "zPGHKyx6fkRgwr28OQwWm6SQxxw=",
    hash: "sha1",
    cipher: "des-cbc",
    cn: "client1",
    challenge: "s3cr3t",
    signer: "self-signed",
    signerCn: "SCEP SIGNER",
  },
  {
    quirk: "scepclient PKCSReq with a wrong challenge (still well formed)",
    file: "scepclient-PKCSReq-wrong-challenge.req.der",
    messageType: MessageType.PKCSReq,
    transactionId: SCEPCLIENT_TX,
    hash: "sha1",
    cipher: "des-cbc",
    cn: "badchal",
    challenge: "WRONG",
    signer: "self-signed",
    signerCn: "SCEP SIGNER",
  },
  {
    quirk: "scepclient renewal: RenewalReq 17, same key, signed by the issued cert, same transactionID",
    file: "scepclient-RenewalReq17-samekey.req.der",
    messageType: MessageType.RenewalReq,
    transactionId: "zPGHKyx6fkRgwr28OQwWm6SQxxw=",
    hash: "sha1",
    cipher: "des-cbc",
    cn: "client1",
    challenge: "s3cr3t",
    signer: "issued by fixture CA",
    signerCn: "client1",
  },
  {
    quirk: "certmonger PKCSReq: AES-256-CBC, SHA-256, 77-digit decimal transactionID, minicert signer",
    file: "certmonger-PKCSReq-aes256-sha256.req.der",
    messageType: MessageType.PKCSReq,
    transactionId: "57954513550285707612597746439113506167488499812100491793953532251066378146541",
    hash: "sha256",
    cipher: "aes-256-cbc",
    cn: "daemon1",
    challenge: "s3cr3t",
    signer: "self-signed",
    signerCn: "daemon1",
  },
  {
    quirk: "certmonger rekey: still PKCSReq 19, signed by the previously issued cert",
    file: "certmonger-rekey-PKCSReq19-signed-by-old-cert.req.der",
    messageType: MessageType.PKCSReq,
    transactionId: CERTMONGER_TX,
    hash: "sha256",
    cipher: "aes-256-cbc",
    cn: "daemon1",
    challenge: "s3cr3t",
    signer: "issued by fixture CA",
    signerCn: "daemon1",
  },
  {
    quirk: "certmonger with caps 'DES3 SHA-1': DES-EDE3-CBC but still SHA-256",
    file: "certmonger-PKCSReq-3des-when-caps-DES3.req.der",
    messageType: MessageType.PKCSReq,
    transactionId: CERTMONGER_TX,
    hash: "sha256",
    cipher: "des-ede3-cbc",
    cn: "cmcaps-DES3SHA1",
    challenge: "s3cr3t",
    signer: "self-signed",
    signerCn: "cmcaps-DES3SHA1",
  },
];

const caSubjectDer = () => new Uint8Array(fixtureCaCert().subject.toSchema().toBER());

describe.each(rows)("$quirk", (row) => {
  const der = fixtureBytes(row.file);

  it("verifies: messageType, transactionID, digest, 16-byte senderNonce, envelope", () => {
    const m = parsePkiMessage(der);
    expect(m.messageType).toBe(row.messageType);
    if (typeof row.transactionId === "string") expect(m.transactionId).toBe(row.transactionId);
    else expect(m.transactionId).toMatch(row.transactionId);
    // The octets are the PrintableString's, i.e. the ASCII of the text.
    expect(Buffer.from(m.transactionIdBytes).toString("latin1")).toBe(m.transactionId);
    expect(m.hash).toBe(row.hash);
    expect(m.senderNonce).toHaveLength(16);
    expect(m.envelope).toBeDefined();
    expect(m.envelope![0]).toBe(0x30);
    expect(m.pkiStatus).toBeUndefined();
    expect(m.recipientNonce).toBeUndefined();
  });

  it(`signer is ${row.signer} (CN=${row.signerCn})`, () => {
    const m = parsePkiMessage(der);
    expect(commonName(parseCertificate(m.signerCertDer).subject)).toBe(row.signerCn);
    const issuer = new Uint8Array(parseCertificate(m.signerCertDer).issuer.toSchema().toBER());
    const subject = new Uint8Array(parseCertificate(m.signerCertDer).subject.toSchema().toBER());
    if (row.signer === "self-signed") {
      expect(bytesEqual(issuer, subject)).toBe(true);
    } else {
      expect(bytesEqual(issuer, caSubjectDer())).toBe(true);
    }
    expect(m.certificateDers.map(parseCertificate).some((c) => bytesEqual(certificateDer(c), m.signerCertDer))).toBe(true);
  });

  it(`decrypts with the fixture CA key as ${row.cipher} to a PKCS#10 for CN=${row.cn}, challenge PrintableString`, () => {
    const m = parsePkiMessage(der);
    const d = decryptEnvelope(m.envelope!, [fixtureCaRecipient()], { allowLegacyDes: true, randomBytes: fixedBytes(0x5a) });
    expect(d.cipher).toBe(row.cipher);
    expect(d.content[0]).toBe(0x30);
    const csr = parseCsr(d.content);
    expect(commonName(csr.subject)).toBe(row.cn);
    const challenge = csr.attributes?.find((a) => a.type === OID.challengePassword);
    expect(challenge).toBeDefined();
    expect(challenge!.values).toHaveLength(1);
    expect(challenge!.values[0]).toBeInstanceOf(asn1js.PrintableString);
    expect((challenge!.values[0] as asn1js.PrintableString).valueBlock.value).toBe(row.challenge);
  });
});

describe("request quirks across fixtures", () => {
  it("scepclient single DES is refused unless allowLegacyDes (reason legacy-des-refused)", () => {
    const m = parsePkiMessage(fixtureBytes("scepclient-PKCSReq-des-sha1.req.der"));
    let err: unknown;
    try {
      decryptEnvelope(m.envelope!, [fixtureCaRecipient()], { allowLegacyDes: false, randomBytes: fixedBytes(0) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvelopeError);
    expect((err as EnvelopeError).reason).toBe("legacy-des-refused");
  });

  it("3DES and AES are accepted with allowLegacyDes false", () => {
    for (const f of ["certmonger-PKCSReq-3des-when-caps-DES3.req.der", "certmonger-PKCSReq-aes256-sha256.req.der"]) {
      const m = parsePkiMessage(fixtureBytes(f));
      expect(() => decryptEnvelope(m.envelope!, [fixtureCaRecipient()], { allowLegacyDes: false, randomBytes: fixedBytes(0) })).not.toThrow();
    }
  });

  it("scepclient renewal is signed by the certificate micromdm issued in mdm-CertRep-success-to-scepclient", () => {
    const renewal = parsePkiMessage(fixtureBytes("scepclient-RenewalReq17-samekey.req.der"));
    const rep = parsePkiMessage(fixtureBytes("mdm-CertRep-success-to-scepclient.resp.der"));
    expect(rep.certificateDers.map(parseCertificate).some((c) => bytesEqual(certificateDer(c), renewal.signerCertDer))).toBe(true);
  });

  it("the renewal keeps the key: its CSR key equals the first request's CSR key", () => {
    const ca = [fixtureCaRecipient()];
    const opts = { allowLegacyDes: true, randomBytes: fixedBytes(0) };
    const spki = (f: string) => {
      const m = parsePkiMessage(fixtureBytes(f));
      return new Uint8Array(
        parseCsr(decryptEnvelope(m.envelope!, ca, opts).content)
          .subjectPublicKeyInfo.toSchema()
          .toBER(),
      );
    };
    expect(bytesEqual(spki("scepclient-PKCSReq-des-sha1.req.der"), spki("scepclient-RenewalReq17-samekey.req.der"))).toBe(true);
    // certmonger rekey: a new key, so the CSR key differs from the signer's (old) key.
    const rekey = parsePkiMessage(fixtureBytes("certmonger-rekey-PKCSReq19-signed-by-old-cert.req.der"));
    const rekeyCsr = parseCsr(decryptEnvelope(rekey.envelope!, ca, opts).content);
    expect(
      bytesEqual(
        new Uint8Array(rekeyCsr.subjectPublicKeyInfo.toSchema().toBER()),
        new Uint8Array(parseCertificate(rekey.signerCertDer).subjectPublicKeyInfo.toSchema().toBER()),
      ),
    ).toBe(false);
  });

  it("a flipped byte in the signed content fails verification (messageDigest)", () => {
    const der = fixtureBytes("certmonger-PKCSReq-aes256-sha256.req.der").slice();
    const m = parsePkiMessage(der);
    // Flip a byte inside the encrypted content: the last byte of the envelope within the message.
    const at = Buffer.from(der).indexOf(Buffer.from(m.envelope!)) + m.envelope!.length - 1;
    der[at]! ^= 0x01;
    expect(() => parsePkiMessage(der)).toThrow(/messageDigest/);
  });
});
