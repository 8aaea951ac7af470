// CA/Browser Forum Baseline Requirements §6.1.6: an RSA public exponent is an odd number from
// 2^16+1 (65537) to 2^256-1. The review found a CSR with e = 3 issued.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkKeyPolicy, parseCsr, verifyCsrSignature, type CsrKeyInfo } from "../../src/ca/csr";
import { importPrivateKeyPem } from "../../src/crypto/keys";
import { children, content, readTlv, tlv } from "../../src/asn1/der";
import { concatBytes } from "../../src/util/bytes";
import { buildCsr } from "../support/independent-pki";

function csrWithExponent(publicExponent: number): Uint8Array {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent });
  const key = importPrivateKeyPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString());
  return buildCsr({ key, subject: { commonName: `e${publicExponent}` }, challenge: "x" });
}

/** The CSR with the RSAPublicKey's exponent replaced (RFC 8017 A.1.1); its signature no longer verifies. */
function withExponent(csrDer: Uint8Array, exponent: Uint8Array): Uint8Array {
  const outer = readTlv(csrDer, 0);
  const [cri, sigAlg, sig] = children(csrDer, outer);
  const [version, subject, spki, ...rest] = children(csrDer, cri!);
  const [alg, bits] = children(csrDer, spki!);
  const rsaKey = content(csrDer, bits!).subarray(1);
  const [modulus] = children(rsaKey, readTlv(rsaKey, 0));
  const newRsaKey = tlv(0x30, rsaKey.subarray(modulus!.start, modulus!.end), tlv(0x02, exponent));
  const newSpki = tlv(0x30, csrDer.subarray(alg!.start, alg!.end), tlv(0x03, concatBytes(Uint8Array.of(0), newRsaKey)));
  const slice = (t: { start: number; end: number }) => csrDer.subarray(t.start, t.end);
  const newCri = tlv(0x30, slice(version!), slice(subject!), newSpki, ...rest.map(slice));
  return tlv(0x30, newCri, slice(sigAlg!), slice(sig!));
}

describe("RSA public exponent (BR §6.1.6)", () => {
  it("e = 3: read from the CSR and refused, naming the rule", () => {
    const csr = parseCsr(csrWithExponent(3));
    expect(verifyCsrSignature(csr)).toBe(true);
    expect(csr.key.publicExponent).toBe(3n);
    expect(checkKeyPolicy(csr.key)).toBe("RSA public exponent 3 is not allowed (use 65537)");
  });

  it("e = 65537 is allowed", () => {
    const csr = parseCsr(csrWithExponent(65537));
    expect(csr.key.publicExponent).toBe(65537n);
    expect(checkKeyPolicy(csr.key)).toBeUndefined();
  });

  it("an even exponent (65538) in a hand-edited CSR is read and refused", () => {
    const csr = parseCsr(withExponent(csrWithExponent(65537), Uint8Array.of(0x01, 0x00, 0x02)));
    expect(csr.key).toMatchObject({ algorithm: "rsa", bits: 2048, publicExponent: 65538n });
    expect(checkKeyPolicy(csr.key)).toBe("RSA public exponent 65538 is not allowed (use 65537)");
  });

  const rsa = (publicExponent?: bigint): CsrKeyInfo => ({ algorithm: "rsa", bits: 2048, publicExponent });
  it.each<[string, bigint | undefined, boolean]>([
    ["1", 1n, false],
    ["3", 3n, false],
    ["65535 (odd, below 65537)", 65535n, false],
    ["65536 (even)", 65536n, false],
    ["65537", 65537n, true],
    ["65539", 65539n, true],
    ["2^255 + 1", 2n ** 255n + 1n, true],
    ["2^256 - 1", 2n ** 256n - 1n, true],
    ["2^256 + 1", 2n ** 256n + 1n, false],
    ["2^256 - 2 (even)", 2n ** 256n - 2n, false],
    ["unknown", undefined, false],
  ])("e = %s -> allowed %s", (_name, e, allowed) => {
    const reason = checkKeyPolicy(rsa(e));
    if (allowed) expect(reason).toBeUndefined();
    else expect(reason).toMatch(/^RSA public exponent .* is not allowed \(use 65537\)$/);
  });

  it("a huge exponent is named by its size, not by 78 digits", () => {
    expect(checkKeyPolicy(rsa(2n ** 300n + 1n))).toBe("RSA public exponent of 301 bits is not allowed (use 65537)");
  });
});
