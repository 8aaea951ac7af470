// Design rule 2: nothing a client sends may become a 500. parsePkiMessage may only throw
// PkiMessageError and decryptEnvelope EnvelopeError (pki-operation.ts maps those
// to HTTP 400 or CertRep FAILURE; anything else escapes as a 500).
import { describe, expect, it } from "vitest";
import { parsePkiMessage, PkiMessageError } from "../../src/scep/pki-message";
import { decryptEnvelope, EnvelopeError } from "../../src/scep/envelope";
import { DerError } from "../../src/asn1/der";
import { parseCertsOnly } from "../../src/scep/certs-only";
import { fixedBytes, fixtureBytes, fixtureCaRecipient } from "./support/real-clients";

function thrownClass(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (e) {
    if (e instanceof PkiMessageError || e instanceof EnvelopeError) return "expected";
    return `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  }
}

const opts = { allowLegacyDes: true, randomBytes: fixedBytes(1) };

describe("malformed pkiMessages fail with our error classes only", () => {
  it("regression: scepclient eContent OCTET STRING tag 0x04 flipped to 0xfb (constructed private tag) was a TypeError", () => {
    const der = fixtureBytes("scepclient-PKCSReq-des-sha1.req.der").slice();
    expect(der[56]).toBe(0x04);
    der[56]! ^= 0xff;
    expect(thrownClass(() => parsePkiMessage(der))).toBe("expected");
  });

  it.each(["scepclient-PKCSReq-des-sha1.req.der", "certmonger-PKCSReq-aes256-sha256.req.der", "mdm-CertRep-failure-badRequest.resp.der"])(
    "%s: truncations and header-byte flips",
    (file) => {
      const der = fixtureBytes(file);
      const unexpected = new Set<string>();
      for (let n = 0; n < der.length; n += 29) unexpected.add(thrownClass(() => parsePkiMessage(der.subarray(0, n))));
      // The first 80 bytes hold every outer header down to the eContent tag.
      for (let i = 0; i < 80; i++) {
        for (const x of [0x20, 0xff]) {
          const d = der.slice();
          d[i]! ^= x;
          unexpected.add(thrownClass(() => parsePkiMessage(d)));
        }
      }
      unexpected.delete("expected");
      unexpected.delete("none"); // a flip in an unsigned, unchecked field may still parse
      expect([...unexpected]).toEqual([]);
    },
  );

  it("garbage, empty and non-SignedData inputs", () => {
    for (const bytes of [
      new Uint8Array(0),
      Uint8Array.of(0x30),
      Uint8Array.of(0x30, 0x80),
      new Uint8Array(64).fill(0x30),
      fixtureBytes("mdm-GetCACert.resp.der"),
    ]) {
      expect(thrownClass(() => parsePkiMessage(bytes))).toBe("expected");
    }
  });
});

describe("malformed envelopes fail with our error classes only", () => {
  it("certmonger envelope: truncations and header-byte flips", () => {
    const env = parsePkiMessage(fixtureBytes("certmonger-PKCSReq-aes256-sha256.req.der")).envelope!;
    const ca = [fixtureCaRecipient()];
    const seen = new Set<string>();
    for (let n = 0; n < env.length; n += 31) seen.add(thrownClass(() => decryptEnvelope(env.subarray(0, n), ca, opts)));
    for (let i = 0; i < 120; i++) {
      for (const x of [0x01, 0x80, 0xff]) {
        const d = env.slice();
        d[i]! ^= x;
        seen.add(thrownClass(() => decryptEnvelope(d, ca, opts)));
      }
    }
    seen.delete("expected");
    seen.delete("none");
    expect([...seen]).toEqual([]);
  });

  it("parseCertsOnly refuses a CertRep that is not certs-only with DerError", () => {
    expect(() => parseCertsOnly(fixtureBytes("mdm-GetCACert.resp.der"))).toThrow(DerError);
  });
});
