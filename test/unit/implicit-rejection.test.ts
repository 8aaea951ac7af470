// Deterministic implicit rejection (draft-irtf-cfrg-rsa-guidance, OpenSSL 3.2): a bad RSA key
// transport continues with a content key derived from the ciphertext under a secret derived from the
// private key, so the same ciphertext always gets the same answer (a random key per request lets a
// repeated ciphertext answer differently, which is itself an oracle).
import { constants, createPublicKey, publicEncrypt, type KeyObject } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { derivedSecret } from "../../src/crypto/derived-secret";
import { importPrivateKeyPem, type PrivateKeyHandle } from "../../src/crypto/keys";
import { generateKeyPair } from "../../src/ca/ca-generate";
import { implicitRejectionKey, unwrapPkcs1v15, wrapOaep, wrapPkcs1v15 } from "../../src/scep/key-transport";
import { decryptEnvelope, encryptEnvelope, EnvelopeError, recipientKeyFor, type RecipientKey } from "../../src/scep/envelope";
import { children, content, readTlv } from "../../src/asn1/der";
import { bytesToHex } from "../../src/util/bytes";
import { fixtureCaCertDer, fixtureCaKey, seededBytes } from "./support/real-clients";

const K = 256;
let ours: PrivateKeyHandle;
let oursPublic: KeyObject;
let recipient: RecipientKey;
let other: PrivateKeyHandle;

beforeAll(() => {
  ours = fixtureCaKey();
  oursPublic = createPublicKey(ours.key);
  recipient = recipientKeyFor(fixtureCaCertDer(), ours);
  other = importPrivateKeyPem(generateKeyPair({ algorithm: "rsa", bits: 2048 }).keyPem);
});

/** Raw RSA of EM = 00 || 02 || PS || 00 || M, with `tamper` applied (RFC 8017 §7.2.1). */
function badPkcs1(tamper: (e: Uint8Array) => void, message = new Uint8Array(32).fill(7)): Uint8Array {
  const e = new Uint8Array(K);
  e[1] = 0x02;
  const psEnd = K - message.length - 1;
  for (let i = 2; i < psEnd; i++) e[i] = ((i * 13) % 255) + 1;
  e.set(message, psEnd + 1);
  tamper(e);
  return new Uint8Array(publicEncrypt({ key: oursPublic, padding: constants.RSA_NO_PADDING }, e));
}

const hex = bytesToHex;

describe("derivedSecret", () => {
  it("is stable per key and label, differs across labels, keys and lengths", () => {
    const a = derivedSecret(ours, "test label");
    expect(a).toHaveLength(32);
    expect(hex(derivedSecret(ours, "test label"))).toBe(hex(a));
    expect(hex(derivedSecret(ours, "other label"))).not.toBe(hex(a));
    expect(hex(derivedSecret(other, "test label"))).not.toBe(hex(a));
    expect(derivedSecret(ours, "test label", 64)).toHaveLength(64);
  });

  it("is HKDF-SHA256 over the key's PKCS#8 DER with the label as info (checked against WebCrypto)", async () => {
    const pkcs8 = ours.key.export({ type: "pkcs8", format: "der" });
    const ikm = await crypto.subtle.importKey("raw", pkcs8, "HKDF", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("test label") },
      ikm,
      256,
    );
    expect(hex(derivedSecret(ours, "test label"))).toBe(hex(new Uint8Array(bits)));
  });

  it("hands out copies: a caller overwriting its secret does not change the next caller's", () => {
    derivedSecret(ours, "mutable").fill(0);
    expect(derivedSecret(ours, "mutable").some((b) => b !== 0)).toBe(true);
  });
});

describe("PKCS#1 v1.5 implicit rejection is deterministic", () => {
  it("a good ciphertext still unwraps", () => {
    const key = seededBytes("good")(32);
    expect(hex(unwrapPkcs1v15(ours, wrapPkcs1v15(oursPublic, key), 32))).toBe(hex(key));
  });

  it("the same bad ciphertext gives the same key every time", () => {
    const ct = badPkcs1((e) => (e[1] = 0x01));
    const first = unwrapPkcs1v15(ours, ct, 32);
    for (let i = 0; i < 20; i++) expect(hex(unwrapPkcs1v15(ours, ct, 32))).toBe(hex(first));
    expect(hex(first)).toBe(hex(implicitRejectionKey(ours, ct, 32)));
  });

  it("different bad ciphertexts, lengths or private keys give different keys", () => {
    const a = badPkcs1((e) => (e[1] = 0x01));
    const b = badPkcs1((e) => (e[0] = 0x01));
    expect(hex(unwrapPkcs1v15(ours, a, 32))).not.toBe(hex(unwrapPkcs1v15(ours, b, 32)));
    // The expected length is bound in: a 24-byte fallback is not a prefix of the 32-byte one.
    expect(hex(unwrapPkcs1v15(ours, a, 32)).startsWith(hex(unwrapPkcs1v15(ours, a, 24)))).toBe(false);
    expect(hex(implicitRejectionKey(ours, a, 32))).not.toBe(hex(implicitRejectionKey(other, a, 32)));
  });

  it.each([
    ["wrong length", new Uint8Array(K - 1).fill(0x42)],
    ["empty", new Uint8Array(0)],
    [">= modulus", new Uint8Array(K).fill(0xff)],
  ])("a ciphertext that cannot even be decrypted (%s) is deterministic too", (_name, ct) => {
    const out = unwrapPkcs1v15(ours, ct, 24);
    expect(out).toHaveLength(24);
    expect(hex(unwrapPkcs1v15(ours, ct, 24))).toBe(hex(out));
    expect(hex(out)).toBe(hex(implicitRejectionKey(ours, ct, 24)));
  });

  it("fallbacks longer than one HMAC block are expanded, not repeated", () => {
    const out = implicitRejectionKey(ours, new Uint8Array(K).fill(1), 80);
    expect(out).toHaveLength(80);
    expect(hex(out.subarray(32, 64))).not.toBe(hex(out.subarray(0, 32)));
  });
});

/** Replaces the first recipientInfo's encryptedKey (same length) in an EnvelopedData built by encryptEnvelope. */
function withEncryptedKey(envelope: Uint8Array, encryptedKey: Uint8Array): Uint8Array {
  const ed = children(envelope, children(envelope, children(envelope, readTlv(envelope, 0))[1]!)[0]!);
  const ktri = children(envelope, children(envelope, ed[1]!)[0]!);
  const ek = ktri[3]!;
  expect(content(envelope, ek).length).toBe(encryptedKey.length);
  const out = envelope.slice();
  out.set(encryptedKey, ek.contentStart);
  return out;
}

describe("decryptEnvelope continues with the deterministic key (PKCS#1 v1.5 and OAEP)", () => {
  const payload = new TextEncoder().encode("content encrypted under the fallback key");

  it.each([false, true])("oaep=%s: content encrypted under implicitRejectionKey(ciphertext) decrypts", (oaep) => {
    // A ciphertext that fails to unwrap with either padding.
    const bad = badPkcs1((e) => (e[1] = 0x01));
    const fallback = implicitRejectionKey(ours, bad, 32);
    // An envelope whose content key is the fallback and whose encryptedKey is the bad ciphertext:
    // only a server that continues with exactly this key can read it.
    const fixedKey = seededBytes(`fixed-${oaep}`);
    const rnd = (n: number) => (n === 32 ? fallback : fixedKey(n));
    const env = encryptEnvelope(payload, [{ cert: fixtureCaCertDer(), publicKey: oursPublic, oaep }], { cipher: "aes-256-cbc", randomBytes: rnd });
    const forged = withEncryptedKey(env, bad);
    for (let i = 0; i < 5; i++) expect(hex(decryptEnvelope(forged, [recipient], { allowLegacyDes: false }).content)).toBe(hex(payload));
  });

  it("a corrupted OAEP key transport answers the same every time", () => {
    const good = encryptEnvelope(payload, [{ cert: fixtureCaCertDer(), publicKey: oursPublic, oaep: true }], {
      cipher: "aes-128-cbc",
      randomBytes: seededBytes("o"),
    });
    const corrupted = withEncryptedKey(good, wrapOaep(createPublicKey(other.key), new Uint8Array(16)));
    const outcomes = new Set<string>();
    for (let i = 0; i < 50; i++) {
      try {
        outcomes.add(`ok ${hex(decryptEnvelope(corrupted, [recipient], { allowLegacyDes: false }).content)}`);
      } catch (e) {
        outcomes.add(e instanceof EnvelopeError ? e.reason : String(e));
      }
    }
    expect([...outcomes]).toHaveLength(1);
  });

  it("still opens a good envelope of either padding", () => {
    for (const oaep of [false, true]) {
      const env = encryptEnvelope(payload, [{ cert: fixtureCaCertDer(), publicKey: oursPublic, oaep }], {
        cipher: "aes-192-cbc",
        randomBytes: seededBytes(`g${oaep}`),
      });
      expect(hex(decryptEnvelope(env, [recipient], { allowLegacyDes: false }).content)).toBe(hex(payload));
    }
  });
});
