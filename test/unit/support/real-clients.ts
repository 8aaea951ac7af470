// Real-client captures (test/fixtures/real-clients, see PROVENANCE.md) and the keys that open them.
import { createHash, createPrivateKey, randomBytes as nodeRandomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pkijs from "pkijs";
import { importPrivateKeyPem, type PrivateKeyHandle } from "../../../src/crypto/keys";
import { parseCertificate } from "../../support/pkijs";
import { recipientKeyFor, type RecipientKey } from "../../../src/scep/envelope";
import { parsePem } from "../../../src/asn1/pem";
import { toArrayBuffer } from "../../../src/util/bytes";

const DIR = new URL("../../fixtures/real-clients/", import.meta.url);

export const randomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n));

/** Deterministic "random" bytes, so implicit-rejection outcomes are reproducible. */
export const fixedBytes = (fill: number) => (n: number) => new Uint8Array(n).fill(fill);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, DIR)));
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, DIR), "utf8");
}

/** micromdm's `ca.key`: legacy PEM, DES-EDE3, empty password; re-exported as PKCS#8. */
export function fixtureCaKey(): PrivateKeyHandle {
  const key = createPrivateKey({ key: fixtureText("test-ca.key.empty-password.pem"), passphrase: "" });
  return importPrivateKeyPem(key.export({ type: "pkcs8", format: "pem" }).toString());
}

export function fixtureCaCert(): pkijs.Certificate {
  return parseCertificate(parsePem(fixtureText("test-ca.pem"))[0]!.der);
}

/** The fixture CA certificate's DER, as the SCEP code takes certificates. */
export function fixtureCaCertDer(): Uint8Array {
  return parsePem(fixtureText("test-ca.pem"))[0]!.der;
}

export function fixtureCaRecipient(): RecipientKey {
  return recipientKeyFor(fixtureCaCertDer(), fixtureCaKey());
}

/** scepclient's c1.key (PKCS#1 PEM); node:crypto reads it as is. */
export function scepclientKey(): PrivateKeyHandle {
  return importPrivateKeyPem(fixtureText("scepclient-client1.key.pem"));
}

export function parseCsr(der: Uint8Array): pkijs.CertificationRequest {
  return pkijs.CertificationRequest.fromBER(toArrayBuffer(der));
}

/** The subject's commonName of a pkijs Name, or undefined. */
export function commonName(name: pkijs.RelativeDistinguishedNames): string | undefined {
  const cn = name.typesAndValues.find((t) => t.type === "2.5.4.3");
  return cn ? String((cn.value as unknown as { valueBlock: { value: string } }).valueBlock.value) : undefined;
}

export function scratchDir(): { dir: string; write(name: string, content: string | Uint8Array): string } {
  const dir = mkdtempSync(join(tmpdir(), "edge-scep-unit-"));
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}

/** Runs openssl; stdout+stderr and the exit status, never throws. */
export function openssl(args: string[], input?: Uint8Array): { status: number; out: string } {
  const r = spawnSync("openssl", args, { input, encoding: "utf8" });
  return { status: r.status ?? 1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Reproducible randomness (SHA-256 in counter mode); `calls` records every output in order. */
export function seededBytes(seed: string): ((n: number) => Uint8Array) & { calls: Uint8Array[] } {
  let counter = 0;
  const calls: Uint8Array[] = [];
  const fn = (n: number) => {
    const out = new Uint8Array(n);
    for (let o = 0; o < n; o += 32) {
      const block = createHash("sha256").update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - o)), o);
    }
    calls.push(out.slice());
    return out;
  };
  return Object.assign(fn, { calls });
}
