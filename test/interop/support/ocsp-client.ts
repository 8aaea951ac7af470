// `openssl ocsp` (OpenSSL 3, a client this project did not write) against the Worker: queries over
// POST with or without a nonce, responses fetched over the RFC 5019 GET form and verified offline
// with -respin. No vitest imports.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openssl } from "./admin-client";

export interface OcspRun {
  ok: boolean;
  /** stdout + stderr */
  out: string;
  /** `<name>: good|revoked|unknown` lines by the name openssl printed (a file path or 0x<serial>). */
  statuses: Record<string, string>;
}

function statusesOf(out: string): Record<string, string> {
  const statuses: Record<string, string> = {};
  for (const m of out.matchAll(/^(\S+): (good|revoked|unknown)$/gm)) statuses[m[1]!] = m[2]!;
  return statuses;
}

/**
 * `openssl ocsp -issuer <ca> (-cert <pem> | -serial 0x..)… -url <url> -CAfile <ca> -resp_text`:
 * the response is verified against the CA (signature, the delegated responder's OCSPSigning and
 * issuer, times), matched to the CertIDs asked, and the nonce checked unless `nonce: false`.
 */
export async function queryOcsp(o: {
  url: string;
  caPath: string;
  certs?: string[];
  serials?: string[];
  nonce?: boolean;
  hash?: "sha1" | "sha256";
  respOut?: string;
  reqOut?: string;
}): Promise<OcspRun> {
  const args = ["ocsp", "-issuer", o.caPath];
  if (o.hash) args.push(`-${o.hash}`);
  for (const c of o.certs ?? []) args.push("-cert", c);
  for (const s of o.serials ?? []) args.push("-serial", `0x${s}`);
  args.push(o.nonce === false ? "-no_nonce" : "-nonce", "-url", o.url, "-CAfile", o.caPath, "-resp_text");
  if (o.respOut) args.push("-respout", o.respOut);
  if (o.reqOut) args.push("-reqout", o.reqOut);
  const r = await openssl(args, { allowFail: true });
  const out = r.stdout + r.stderr;
  return { ok: r.code === 0 && out.includes("Response verify OK"), out, statuses: statusesOf(out) };
}

/** A request file made by openssl (`-reqout`), nothing sent. */
export async function ocspRequestFile(
  dir: string,
  name: string,
  caPath: string,
  certPath: string,
  nonce = false,
): Promise<{ path: string; der: Uint8Array }> {
  const path = join(dir, `${name}.req`);
  await openssl(["ocsp", "-issuer", caPath, "-cert", certPath, nonce ? "-nonce" : "-no_nonce", "-reqout", path]);
  return { path, der: new Uint8Array(await readFile(path)) };
}

/** Verifies response bytes obtained some other way (the GET form) with openssl, against the CA. */
export async function verifyOcspResponse(dir: string, name: string, response: Uint8Array, caPath: string, certPath: string): Promise<OcspRun> {
  const path = join(dir, `${name}.resp`);
  await writeFile(path, response);
  const r = await openssl(["ocsp", "-respin", path, "-issuer", caPath, "-cert", certPath, "-no_nonce", "-CAfile", caPath, "-resp_text"], {
    allowFail: true,
  });
  const out = r.stdout + r.stderr;
  return { ok: r.code === 0 && out.includes("Response verify OK"), out, statuses: statusesOf(out) };
}

/** RFC 5019 §5: GET <url>/<url-escaped base64 of the DER request>. */
export async function getOcsp(url: string, der: Uint8Array): Promise<{ status: number; body: Uint8Array; headers: Headers }> {
  const res = await fetch(`${url}/${encodeURIComponent(Buffer.from(der).toString("base64"))}`);
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}
