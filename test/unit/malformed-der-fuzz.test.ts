// Design rule 2 (never a 500 for anything a client can send), fuzz-style and reproducible: thousands
// of truncations, byte mutations and structural mutations (a TLV dropped, emptied, retagged,
// duplicated, truncated or swapped, lengths re-encoded) of real certificates and of a real
// pkiMessage. parseCertView may only throw DerError; parsePkiMessage only PkiMessageError;
// decryptEnvelope only EnvelopeError (what pki-operation.ts maps to HTTP 400 / CertRep).
import { describe, expect, it } from "vitest";
import { decryptEnvelope, EnvelopeError } from "../../src/scep/envelope";
import { parsePkiMessage, PkiMessageError } from "../../src/scep/pki-message";
import { berToDer } from "../../src/asn1/ber";
import { DerError } from "../../src/asn1/der";
import { parsePem } from "../../src/asn1/pem";
import { parseCertView } from "../../src/x509/cert-view";
import { mutateBytes, mutateStructure, prng } from "../support/der-tree";
import { fixtureBytes, fixtureCaRecipient, fixtureText } from "./support/real-clients";

type Allowed = new (...args: never[]) => Error;

/** Runs `fn` on every input; returns the unexpected failures (class, message, input index), at most 5. */
function unexpectedFailures(inputs: Iterable<Uint8Array>, fn: (input: Uint8Array) => unknown, allowed: Allowed[]): string[] {
  const out: string[] = [];
  let i = 0;
  for (const input of inputs) {
    try {
      fn(input);
    } catch (e) {
      if (!allowed.some((cls) => e instanceof cls) && out.length < 5) {
        out.push(`#${i} ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      }
    }
    i++;
  }
  return out;
}

function* truncations(der: Uint8Array, step = 1): Generator<Uint8Array> {
  for (let n = 0; n < der.length; n += step) yield der.subarray(0, n);
  yield new Uint8Array([...der, 0x00]); // trailing data
}

function* byteMutations(der: Uint8Array, seed: number, count: number): Generator<Uint8Array> {
  const random = prng(seed);
  for (let i = 0; i < count; i++) yield mutateBytes(der, random);
}

function* structuralMutations(der: Uint8Array, seed: number, count: number): Generator<Uint8Array> {
  const random = prng(seed);
  for (let i = 0; i < count; i++) {
    let d = der;
    // One to three mutations stacked.
    const rounds = 1 + Math.floor(random() * 3);
    for (let r = 0; r < rounds; r++) {
      try {
        d = mutateStructure(d, random);
      } catch {
        break; // the previous round left something the tree reader cannot walk: test it as is
      }
    }
    yield d;
  }
}

const CERTIFICATES: [string, () => Uint8Array][] = [
  ["micromdm test CA (test-ca.pem)", () => parsePem(fixtureText("test-ca.pem"))[0]!.der],
  ["scepclient self-signed signer", () => parsePkiMessage(fixtureBytes("scepclient-PKCSReq-des-sha1.req.der")).signerCertDer],
  ["certmonger minicert signer", () => parsePkiMessage(fixtureBytes("certmonger-PKCSReq-aes256-sha256.req.der")).signerCertDer],
  ["issued certificate (renewal signer)", () => parsePkiMessage(fixtureBytes("scepclient-RenewalReq17-samekey.req.der")).signerCertDer],
];

describe("parseCertView throws DerError only", () => {
  it.each(CERTIFICATES)("%s: every truncation, 1500 byte mutations, 1500 structural mutations", (_name, load) => {
    const der = load();
    expect(() => parseCertView(der)).not.toThrow();
    const parseAll = (d: Uint8Array) => {
      const v = parseCertView(d);
      // Touch every lazily computed field as well.
      void [v.notBefore.getTime(), v.notAfter.getTime(), v.subjectKeyId, v.signatureAlgorithmOid];
    };
    expect(unexpectedFailures(truncations(der), parseAll, [DerError])).toEqual([]);
    expect(unexpectedFailures(byteMutations(der, 1, 1500), parseAll, [DerError])).toEqual([]);
    expect(unexpectedFailures(structuralMutations(der, 2, 1500), parseAll, [DerError])).toEqual([]);
  });
});

describe("parsePkiMessage throws PkiMessageError only", () => {
  it.each(["certmonger-PKCSReq-aes256-sha256.req.der", "scepclient-PKCSReq-des-sha1.req.der"])(
    "%s: truncations, 1000 byte mutations, 2000 structural mutations",
    (file) => {
      const der = berToDer(fixtureBytes(file));
      const allowed = [PkiMessageError];
      expect(unexpectedFailures(truncations(der, 3), parsePkiMessage, allowed)).toEqual([]);
      expect(unexpectedFailures(byteMutations(der, 3, 1000), parsePkiMessage, allowed)).toEqual([]);
      expect(unexpectedFailures(structuralMutations(der, 4, 2000), parsePkiMessage, allowed)).toEqual([]);
    },
  );
});

describe("decryptEnvelope throws EnvelopeError only", () => {
  it("certmonger envelope: truncations, 500 byte mutations, 1000 structural mutations", () => {
    const env = berToDer(parsePkiMessage(fixtureBytes("certmonger-PKCSReq-aes256-sha256.req.der")).envelope!);
    const keys = [fixtureCaRecipient()];
    const open = (d: Uint8Array) => decryptEnvelope(d, keys, { allowLegacyDes: true });
    const allowed = [EnvelopeError];
    expect(unexpectedFailures(truncations(env, 7), open, allowed)).toEqual([]);
    expect(unexpectedFailures(byteMutations(env, 5, 500), open, allowed)).toEqual([]);
    expect(unexpectedFailures(structuralMutations(env, 6, 1000), open, allowed)).toEqual([]);
  });
});
