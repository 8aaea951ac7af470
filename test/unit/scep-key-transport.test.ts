// RSA key transport: PKCS#1 v1.5 with implicit rejection (no padding oracle, design "Crypto on
// Workers") and RSAES-OAEP, directly and through decryptEnvelope.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { constants, createPublicKey, publicEncrypt } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { implicitRejectionKey, unwrapOaep, unwrapPkcs1v15, wrapOaep, wrapPkcs1v15, KeyTransportError } from "../../src/scep/key-transport";
import { decryptEnvelope, encryptEnvelope, EnvelopeError, recipientKeyFor, type RecipientKey } from "../../src/scep/envelope";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { encodeDer, octetStringBytes, parseBer } from "../support/pkijs";
import { OID } from "../../src/asn1/oids";
import { generateKeyPair } from "../../src/ca/ca-generate";
import { importPrivateKeyPem, type PrivateKeyHandle } from "../../src/crypto/keys";
import { bytesToHex } from "../../src/util/bytes";
import { fixtureBytes, fixtureCaCertDer, fixtureCaKey, randomBytes, seededBytes } from "./support/real-clients";

let ours: PrivateKeyHandle;
let oursPublic: ReturnType<typeof createPublicKey>;
let ourRecipient: RecipientKey;
let ourCert: Uint8Array;
let other: PrivateKeyHandle;
const K = 256; // RSA-2048 modulus length in bytes

beforeAll(() => {
  ours = fixtureCaKey();
  oursPublic = createPublicKey(ours.key);
  ourCert = fixtureCaCertDer();
  ourRecipient = recipientKeyFor(ourCert, ours);
  other = importPrivateKeyPem(generateKeyPair({ algorithm: "rsa", bits: 2048 }).keyPem);
});

/** Raw RSA of a hand-made encoded message (RFC 8017 §7.2.1 EM), bypassing OpenSSL's padding. */
function rawEncrypt(em: Uint8Array): Uint8Array {
  expect(em).toHaveLength(K);
  return new Uint8Array(publicEncrypt({ key: oursPublic, padding: constants.RSA_NO_PADDING }, em));
}

/** EM = 00 || 02 || PS || 00 || M with a nonzero PS, then `tamper` applied. */
function em(message: Uint8Array, tamper: (e: Uint8Array) => void = () => {}): Uint8Array {
  const e = new Uint8Array(K);
  e[1] = 0x02;
  const psEnd = K - message.length - 1;
  for (let i = 2; i < psEnd; i++) e[i] = ((i * 7) % 255) + 1;
  e[psEnd] = 0;
  e.set(message, psEnd + 1);
  tamper(e);
  return e;
}

const contentKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
/** The ciphertext-derived key of implicit rejection (key-transport.ts), not the wrapped one. */
const isFallback = (out: Uint8Array, ct: Uint8Array, n: number) => bytesToHex(out) === bytesToHex(implicitRejectionKey(ours, ct, n));

describe("unwrapPkcs1v15", () => {
  it("a valid ciphertext (OpenSSL padding) gives the key", () => {
    expect(bytesToHex(unwrapPkcs1v15(ours, wrapPkcs1v15(oursPublic, contentKey), 32))).toBe(bytesToHex(contentKey));
  });

  it("a valid hand-built EM gives the key (the raw-RSA helper is sound)", () => {
    expect(bytesToHex(unwrapPkcs1v15(ours, rawEncrypt(em(contentKey)), 32))).toBe(bytesToHex(contentKey));
  });

  it.each<[string, (e: Uint8Array) => void, number?]>([
    ["first byte not 00", (e) => (e[0] = 0x01)],
    ["block type 01 (signature padding)", (e) => (e[1] = 0x01)],
    ["block type 00", (e) => (e[1] = 0x00)],
    ["no 00 separator", (e) => (e[K - 33] = 0x17)],
    ["a zero inside PS (message longer than expected)", (e) => (e[20] = 0x00)],
    ["PS shorter than 8 bytes", (e) => e.fill(0, 2, 9)],
  ])("bad padding (%s) -> the ciphertext-derived key of the expected length, no throw", (_name, tamper) => {
    const ct = rawEncrypt(em(contentKey, tamper));
    let out: Uint8Array | undefined;
    expect(() => (out = unwrapPkcs1v15(ours, ct, 32))).not.toThrow();
    expect(isFallback(out!, ct, 32)).toBe(true);
  });

  it("a correctly padded key of the wrong length (AES-128 key where AES-256 is expected) -> derived key", () => {
    const ct = rawEncrypt(em(contentKey.subarray(0, 16)));
    expect(isFallback(unwrapPkcs1v15(ours, ct, 32), ct, 32)).toBe(true);
    expect(isFallback(unwrapPkcs1v15(ours, ct, 24), ct, 24)).toBe(true);
    expect(bytesToHex(unwrapPkcs1v15(ours, ct, 16))).toBe(bytesToHex(contentKey.subarray(0, 16)));
  });

  it.each([
    ["one byte short", K - 1],
    ["one byte long", K + 1],
    ["empty", 0],
  ])("ciphertext %s -> derived key, no throw", (_name, length) => {
    const ct = new Uint8Array(length).fill(0x42);
    expect(isFallback(unwrapPkcs1v15(ours, ct, 8), ct, 8)).toBe(true);
  });

  it("ciphertext >= modulus -> derived key, no throw", () => {
    const ct = new Uint8Array(K).fill(0xff);
    expect(isFallback(unwrapPkcs1v15(ours, ct, 24), ct, 24)).toBe(true);
  });

  it("wrapped to another key -> derived key", () => {
    const ct = wrapPkcs1v15(createPublicKey(other.key), contentKey);
    expect(isFallback(unwrapPkcs1v15(ours, ct, 32), ct, 32)).toBe(true);
  });
});

/** Flips one bit of the first recipientInfo's encryptedKey inside an EnvelopedData DER. */
function corruptEncryptedKey(envelope: Uint8Array): Uint8Array {
  const info = new pkijs.ContentInfo({ schema: parseBer(envelope, "env") });
  const env = new pkijs.EnvelopedData({ schema: info.content });
  const ek = octetStringBytes((env.recipientInfos[0]!.value as pkijs.KeyTransRecipientInfo).encryptedKey);
  const at = Buffer.from(envelope).indexOf(Buffer.from(ek));
  expect(at).toBeGreaterThan(0);
  const out = envelope.slice();
  out[at + 100]! ^= 0x10;
  return out;
}

function failureOf(fn: () => unknown): { reason: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EnvelopeError);
    return { reason: (e as EnvelopeError).reason, message: (e as EnvelopeError).message };
  }
  throw new Error("expected EnvelopeError");
}

describe("decryptEnvelope: every key-transport failure looks the same", () => {
  const opts = { allowLegacyDes: true };
  const payload = new TextEncoder().encode("a PKCS#10 would be here; any content will do for the envelope");

  it("corrupted key transport, a key wrapped under another public key, and a corrupted OAEP key: one outcome", () => {
    const good = encryptEnvelope(payload, [{ cert: ourCert, publicKey: oursPublic }], { cipher: "aes-256-cbc", randomBytes: seededBytes("good") });
    expect(bytesToHex(decryptEnvelope(good, [ourRecipient], opts).content)).toBe(bytesToHex(payload));

    const corrupted = failureOf(() => decryptEnvelope(corruptEncryptedKey(good), [ourRecipient], opts));
    // Names our certificate, but the key is wrapped for another key pair.
    const misaddressed = encryptEnvelope(payload, [{ cert: ourCert, publicKey: createPublicKey(other.key) }], {
      cipher: "aes-256-cbc",
      randomBytes: seededBytes("misaddressed"),
    });
    const wrongKey = failureOf(() => decryptEnvelope(misaddressed, [ourRecipient], opts));
    const oaep = encryptEnvelope(payload, [{ cert: ourCert, publicKey: oursPublic, oaep: true }], {
      cipher: "aes-256-cbc",
      randomBytes: seededBytes("oaep"),
    });
    const oaepCorrupted = failureOf(() => decryptEnvelope(corruptEncryptedKey(oaep), [ourRecipient], opts));

    expect(corrupted).toEqual({ reason: "undecryptable", message: "envelope could not be decrypted" });
    expect(wrongKey).toEqual(corrupted);
    expect(oaepCorrupted).toEqual(corrupted);
  });

  it.each([
    ["scepclient (DES-CBC)", "scepclient-PKCSReq-des-sha1.req.der"],
    ["certmonger (AES-256-CBC)", "certmonger-PKCSReq-aes256-sha256.req.der"],
    ["certmonger (DES-EDE3-CBC)", "certmonger-PKCSReq-3des-when-caps-DES3.req.der"],
  ])("%s request with a corrupted encryptedKey -> undecryptable, same message", (_name, file) => {
    const m = parsePkiMessage(fixtureBytes(file));
    expect(() => decryptEnvelope(m.envelope!, [ourRecipient], opts)).not.toThrow();
    expect(failureOf(() => decryptEnvelope(corruptEncryptedKey(m.envelope!), [ourRecipient], opts))).toEqual({
      reason: "undecryptable",
      message: "envelope could not be decrypted",
    });
  });

  it("a recipientInfo that names another certificate is not-for-us (public information, not an oracle)", () => {
    const m = parsePkiMessage(fixtureBytes("certmonger-PKCSReq-aes256-sha256.req.der"));
    const stranger = { ...ourRecipient, serial: Uint8Array.of(0x7f, 0x01) };
    expect(failureOf(() => decryptEnvelope(m.envelope!, [stranger], opts)).reason).toBe("not-for-us");
  });
});

describe("RSAES-OAEP", () => {
  it("unwrapOaep(wrapOaep(k)) is k; a wrong key throws KeyTransportError", () => {
    expect(bytesToHex(unwrapOaep(ours, wrapOaep(oursPublic, contentKey), "sha1"))).toBe(bytesToHex(contentKey));
    expect(() => unwrapOaep(other, wrapOaep(oursPublic, contentKey), "sha1")).toThrow(KeyTransportError);
  });

  it.each(["aes-128-cbc", "aes-256-cbc", "des-ede3-cbc"] as const)(
    "encryptEnvelope oaep:true (%s) decrypts, key transport is id-RSAES-OAEP",
    (cipher) => {
      const payload = randomBytes(333);
      const env = encryptEnvelope(payload, [{ cert: ourCert, publicKey: oursPublic, oaep: true }], { cipher, randomBytes });
      const parsed = new pkijs.EnvelopedData({ schema: new pkijs.ContentInfo({ schema: parseBer(env, "env") }).content });
      expect((parsed.recipientInfos[0]!.value as pkijs.KeyTransRecipientInfo).keyEncryptionAlgorithm.algorithmId).toBe(OID.rsaesOaep);
      const d = decryptEnvelope(env, [ourRecipient], { allowLegacyDes: false });
      expect(d.cipher).toBe(cipher);
      expect(bytesToHex(d.content)).toBe(bytesToHex(payload));
    },
  );

  it("explicit RSAES-OAEP-params with SHA-256 (hashAlgorithm [0]) are honoured", () => {
    const payload = randomBytes(100);
    const rnd = seededBytes("oaep256");
    const env = encryptEnvelope(payload, [{ cert: ourCert, publicKey: oursPublic, oaep: true }], { cipher: "aes-256-cbc", randomBytes: rnd });
    const key = rnd.calls[0]!; // encryptEnvelope draws the content key first
    const info = new pkijs.ContentInfo({ schema: parseBer(env, "env") });
    const parsed = new pkijs.EnvelopedData({ schema: info.content });
    const ktri = parsed.recipientInfos[0]!.value as pkijs.KeyTransRecipientInfo;
    const sha256Alg = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.sha256 })] });
    const mgf = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.mgf1 }), sha256Alg] });
    ktri.keyEncryptionAlgorithm = new pkijs.AlgorithmIdentifier({
      algorithmId: OID.rsaesOaep,
      algorithmParams: new asn1js.Sequence({
        value: [
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [sha256Alg] }),
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [mgf] }),
        ],
      }),
    });
    ktri.encryptedKey = new asn1js.OctetString({
      valueHex: new Uint8Array(publicEncrypt({ key: oursPublic, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, key)),
    });
    const rebuilt = encodeDer(new pkijs.ContentInfo({ contentType: OID.envelopedData, content: parsed.toSchema() }).toSchema());
    const d = decryptEnvelope(rebuilt, [ourRecipient], { allowLegacyDes: false });
    expect(bytesToHex(d.content)).toBe(bytesToHex(payload));
  });
});
