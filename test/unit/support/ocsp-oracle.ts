// OpenSSL as the independent OCSP oracle for the unit tests: `openssl ocsp -reqout` makes requests,
// `openssl ocsp -respin … -CAfile … -issuer …` verifies responses, `openssl asn1parse` shows the
// encoding. Plus throwaway CAs and responder keys. No vitest imports.
import { generateKeyPairSync, randomBytes as nodeRandomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateCa } from "../../../src/ca/ca-generate";
import { loadCaMaterial, type CaMaterial } from "../../../src/ca/ca-material";
import { caKeyId } from "../../../src/ca/ca-set";
import type { PrivateKeyHandle } from "../../../src/crypto/keys";
import { issuerHashes, type IssuerHashes } from "../../../src/ocsp/cert-id";
import { openssl, scratch } from "../ca-test-helpers";

export const rnd = (n: number) => new Uint8Array(nodeRandomBytes(n));

export interface TestIssuer {
  material: CaMaterial;
  keyId: string;
  hashes: IssuerHashes;
  /** PEM file of the CA certificate. */
  certPath: string;
  dir: string;
}

export function makeIssuer(
  name: string,
  key: { algorithm: "rsa" } | { algorithm: "ec"; curve: "P-256" | "P-384" } = { algorithm: "rsa" },
  validityDays = 3650,
): TestIssuer {
  const pair = generateCa({ subject: { commonName: name, organization: "OCSP tests" }, key, validityDays, now: new Date(), randomBytes: rnd });
  const material = loadCaMaterial({ caCertPem: pair.certPem, caKeyPem: pair.keyPem }, { issuerOnly: true });
  const s = scratch();
  const certPath = s.write("ca.pem", pair.certPem);
  return { material, keyId: caKeyId(material.caSpkiDer), hashes: issuerHashes(material.caSubjectDer, material.caSpkiDer), certPath, dir: s.dir };
}

export function responderKey(curve: "P-256" | "P-384" = "P-256"): { handle: PrivateKeyHandle; spkiDer: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
  const bits = curve === "P-256" ? 256 : 384;
  return {
    handle: { key: privateKey, algorithm: "ec", bits, curve: curve === "P-256" ? "prime256v1" : "secp384r1" },
    spkiDer: new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
  };
}

let counter = 0;
function tmpFile(dir: string, ext: string): string {
  return join(dir, `f${++counter}-${process.pid}.${ext}`);
}

/** `openssl ocsp -reqout` for these serials of `issuer` (hex, without 0x). */
export function opensslRequest(
  issuer: TestIssuer,
  serials: string[],
  opts: { nonce?: boolean; hash?: string } = {},
): { der: Uint8Array; path: string } {
  const path = tmpFile(issuer.dir, "req");
  const args = ["ocsp", "-issuer", issuer.certPath];
  if (opts.hash) args.push(`-${opts.hash}`);
  for (const s of serials) args.push("-serial", `0x${s}`);
  args.push(opts.nonce === false ? "-no_nonce" : "-nonce", "-reqout", path);
  const r = openssl(args);
  if (r.status !== 0) throw new Error(`openssl ocsp -reqout failed:\n${r.out}`);
  return { der: new Uint8Array(readFileSync(path)), path };
}

export interface Verified {
  status: number;
  out: string;
  /** `<serial>: good|revoked|unknown` lines, by upper-case serial. */
  statuses: Record<string, string>;
}

/**
 * `openssl ocsp -respin` verifying the response against `-CAfile` (signature, delegation, times).
 * Without `reqPath` it also matches the response to the CertIDs of `-issuer` + `-serial` and
 * prints `0x<serial>: good|revoked|unknown`. With `reqPath` it checks the nonce against that
 * request instead: openssl builds a fresh request (with a fresh nonce) from -serial, so the two
 * cannot be combined.
 */
export function opensslVerify(
  issuer: TestIssuer,
  response: Uint8Array,
  serials: string[],
  opts: { reqPath?: string; hash?: string; extra?: string[] } = {},
): Verified {
  const path = tmpFile(issuer.dir, "resp");
  writeFileSync(path, response);
  const args = ["ocsp", "-respin", path, "-CAfile", issuer.certPath, "-resp_text"];
  if (opts.reqPath) args.push("-reqin", opts.reqPath);
  else {
    args.push("-issuer", issuer.certPath, "-no_nonce");
    if (opts.hash) args.push(`-${opts.hash}`);
    for (const s of serials) args.push("-serial", `0x${s}`);
  }
  args.push(...(opts.extra ?? []));
  const r = openssl(args);
  const statuses: Record<string, string> = {};
  for (const m of r.out.matchAll(/^0x([0-9A-Fa-f]+): (good|revoked|unknown)$/gm)) statuses[m[1]!.toUpperCase()] = m[2]!;
  // With -reqin there is no summary: read the statuses from the response text instead.
  for (const m of r.out.matchAll(/Serial Number: ([0-9A-F]+)\s+Cert Status: (good|revoked|unknown)/g)) statuses[m[1]!] ??= m[2]!;
  return { status: r.status, out: r.out, statuses };
}

/** The BasicOCSPResponse inside responseBytes, as `openssl asn1parse` shows it. */
export function basicResponseText(der: Uint8Array, dir: string): string {
  const outer = asn1parse(der, dir);
  const offset = /^\s*(\d+):d=3\s+hl=\d+\s+l=\s*\d+\s+prim:\s+OCTET STRING/m.exec(outer)?.[1];
  if (offset === undefined) throw new Error(`no responseBytes in:\n${outer}`);
  return asn1parse(der, dir, Number(offset));
}

function asn1parse(der: Uint8Array, dir: string, strparse?: number): string {
  const path = tmpFile(dir, "der");
  writeFileSync(path, der);
  const args = ["asn1parse", "-inform", "DER", "-in", path, "-i"];
  if (strparse !== undefined) args.push("-strparse", String(strparse));
  return openssl(args).out;
}

/** A random positive 16-byte serial as the ledger writes it (upper-case hex). */
export function randomSerialHex(): string {
  const b = rnd(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString("hex").toUpperCase();
}
