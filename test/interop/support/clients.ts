// Wrappers around the real SCEP clients installed from Debian, for interop tests and scripts.
//   micromdm scepclient 2.1.0        (package `scep`)        /usr/bin/scepclient
//   certmonger 0.79.17 scep-submit   (package `certmonger`)  /usr/lib/certmonger/scep-submit
//   openssl verify
// Every run goes through coreutils `timeout` and captures stdout+stderr, so a failing test shows
// the exact command and the client's own output. Behaviour notes: docs/scep-clients.md (shared).
// No vitest imports.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SCEPCLIENT = process.env.SCEPCLIENT_BIN ?? "scepclient";
export const SCEP_SUBMIT = process.env.SCEP_SUBMIT_BIN ?? "/usr/lib/certmonger/scep-submit";

export interface CmdResult {
  /** The command line as run (for messages). */
  command: string;
  /** Exit code; 124 = killed by `timeout`, -1 = could not start or killed by a signal. */
  code: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  timeoutSec?: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
}

/** Run `timeout -k 5 <sec> cmd args...`, never rejects on a non-zero exit. */
export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<CmdResult> {
  const timeoutSec = opts.timeoutSec ?? 30;
  const command = [cmd, ...args].map(shellQuote).join(" ");
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn("timeout", ["-k", "5", String(timeoutSec), cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env ? ({ ...process.env, ...opts.env } as NodeJS.ProcessEnv) : process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin.on("error", () => {}); // EPIPE when the client exits without reading stdin
    child.stdin.end(opts.input ?? "");
    const done = (code: number, extra = "") =>
      resolve({
        command,
        code,
        timedOut: code === 124,
        stdout,
        stderr: stderr + extra,
        durationMs: Math.round(performance.now() - started),
      });
    child.on("error", (e) => done(-1, `\n[spawn error] ${e.message}`));
    child.on("close", (code, signal) => done(code ?? -1, signal ? `\n[killed by ${signal}]` : ""));
  });
}

/**
 * A project script run the way `npm run <script>` runs it (tsx over the TypeScript source), but
 * without npx's start-up: Node 22 (this process's) with tsx's loader. About 0.2 s instead of 1 s.
 */
export function tsxScript(script: string, args: string[]): [string, string[]] {
  return [process.execPath, ["--import", "tsx", script, ...args]];
}

/** A readable dump of a run for assertion messages. */
export function formatRun(r: CmdResult): string {
  const t = r.timedOut ? " (TIMED OUT)" : "";
  return `$ ${r.command}\nexit ${r.code}${t} after ${r.durationMs} ms\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

// ---------------------------------------------------------------------------------------------
// micromdm scepclient

export interface ScepclientOptions {
  /** Full SCEP URL, e.g. http://127.0.0.1:PORT/scep (the client appends ?operation=). */
  url: string;
  challenge?: string;
  /** Created (RSA, -keySize, default 2048) if missing. scepclient also writes csr.pem and
   *  sometimes self.pem into this file's directory and REUSES them: one directory per client. */
  keyPath: string;
  /** Written on success. If it exists together with the key, the run is a RenewalReq (17)
   *  signed by this certificate with the same key. */
  certPath: string;
  cn?: string;
  /** e.g. ["-keySize", "2048"], ["-ca-fingerprint", hex], ["-organization", "x"] */
  extraArgs?: string[];
  /** Pass -debug (logs request/response details to stderr). Default true. */
  debug?: boolean;
  timeoutSec?: number;
}

export interface ScepclientResult extends CmdResult {
  /** Content of certPath after the run, if the file exists. */
  certPem?: string;
  /** Exit 0 and certPath now holds a certificate that was not there before the run. */
  issued: boolean;
}

export async function runScepclient(o: ScepclientOptions): Promise<ScepclientResult> {
  const before = existsSync(o.certPath) ? await readFile(o.certPath, "utf8") : undefined;
  const args = ["-server-url", o.url, "-private-key", o.keyPath, "-certificate", o.certPath];
  if (o.challenge !== undefined) args.push("-challenge", o.challenge);
  if (o.cn !== undefined) args.push("-cn", o.cn);
  if (o.debug ?? true) args.push("-debug");
  args.push(...(o.extraArgs ?? []));
  const r = await runCommand(SCEPCLIENT, args, { timeoutSec: o.timeoutSec ?? 30 });
  const certPem = existsSync(o.certPath) ? await readFile(o.certPath, "utf8") : undefined;
  const issued = r.code === 0 && certPem !== undefined && certPem.includes("BEGIN CERTIFICATE") && certPem !== before;
  return { ...r, certPem, issued };
}

/** A fresh directory for one scepclient identity: { dir, keyPath: dir/NAME.key, certPath: dir/NAME.pem }. */
export async function newClientDir(parent: string, name: string): Promise<{ dir: string; keyPath: string; certPath: string }> {
  const dir = join(parent, name);
  await mkdir(dir, { recursive: true });
  return { dir, keyPath: join(dir, `${name}.key`), certPath: join(dir, `${name}.pem`) };
}

// ---------------------------------------------------------------------------------------------
// certmonger scep-submit (standalone; it never builds the pkiMessage itself)

/** Exit codes documented in certmonger-scep-submit(8). */
export const SCEP_SUBMIT_EXIT = {
  ISSUED: 0,
  WAIT: 1,
  REJECTED: 2,
  UNREACHABLE: 3, // also: CertRep signature did not verify
  UNCONFIGURED: 4,
  WAIT_WITH_DELAY: 5,
  NEED_PKIMESSAGE: 16,
  NEED_REKEY: 17,
} as const;

interface SubmitCommon {
  url: string;
  timeoutSec?: number;
  /** -v (repeatable by passing 2) */
  verbose?: 0 | 1 | 2;
}

export type ScepSubmitOptions =
  | (SubmitCommon & { op: "GetCACaps"; caIdentifier?: string })
  | (SubmitCommon & { op: "GetCACert"; caIdentifier?: string })
  | (SubmitCommon & {
      op: "PKIOperation";
      /** PEM "-----BEGIN PKCS7-----" pkiMessage (PKCSReq / RenewalReq), built by the caller. */
      request: string;
      /** Renewal pair: with mode "env" this goes to CERTMONGER_PKCSREQ_REKEY. The naming in
       *  scep-submit is inverted: CERTMONGER_PKCSREQ must hold the message signed by the OLD
       *  certificate and CERTMONGER_PKCSREQ_REKEY the self-signed one; it sends the former when
       *  the server advertises Renewal (the latter with nonRenewal). Both need the same
       *  transactionID and senderNonce. */
      rekeyRequest?: string;
      /** PEM of the certificate(s) the request was encrypted to (RA, or the CA when there is no RA).
       *  Used to verify the CertRep signer. */
      raCertPem: string;
      /** PEM of the issuing CA. REQUIRED in practice: without it scep-submit has no trust anchor
       *  ("failed to verify signature on server response", exit 3). */
      caCertPem: string;
      /** Extra certificates for verification (-I / CERTMONGER_SCEP_CERTIFICATES). */
      otherCertsPem?: string;
      /** -n: prefer the non-renewal message. */
      nonRenewal?: boolean;
      /** "flags" (default): -r/-N/-I files and the request file with -p. "env": the way the
       *  certmonger daemon drives it, CERTMONGER_OPERATION=SUBMIT + CERTMONGER_* variables. */
      mode?: "flags" | "env";
    });

export interface ScepSubmitResult extends CmdResult {
  /** GetCACaps: the capability lines. */
  caps?: string[];
  /** GetCACert: PEM certificates in the printed order (RA, CA, others). */
  certs?: string[];
  /** PKIOperation exit 0: the still-encrypted pkcsPKIEnvelope (PEM), to decrypt with the signer key. */
  envelopePem?: string;
}

export async function scepSubmit(o: ScepSubmitOptions): Promise<ScepSubmitResult> {
  const base = ["-u", o.url];
  for (let i = 0; i < (o.verbose ?? 0); i++) base.push("-v");
  const timeoutSec = o.timeoutSec ?? 30;
  if (o.op === "GetCACaps" || o.op === "GetCACert") {
    const args = [...base, o.op === "GetCACaps" ? "-c" : "-C"];
    if (o.caIdentifier !== undefined) args.push("-i", o.caIdentifier);
    const r = await runCommand(SCEP_SUBMIT, args, { timeoutSec });
    if (o.op === "GetCACaps") return { ...r, caps: r.code === 0 ? parseCaps(r.stdout) : undefined };
    return { ...r, certs: r.code === 0 ? splitPemCertificates(r.stdout) : undefined };
  }

  const dir = await mkdtemp(join(tmpdir(), "scep-submit-"));
  try {
    let r: CmdResult;
    if ((o.mode ?? "flags") === "env") {
      // The daemon's way (certmonger src/scep.c): everything through the environment.
      const env: Record<string, string> = {
        CERTMONGER_OPERATION: "SUBMIT",
        CERTMONGER_SCEP_RA_CERTIFICATE: o.raCertPem,
        CERTMONGER_SCEP_CA_CERTIFICATE: o.caCertPem,
        CERTMONGER_PKCSREQ: o.request, // not CERTMONGER_SCEP_PKCSREQ
      };
      if (o.rekeyRequest) env.CERTMONGER_PKCSREQ_REKEY = o.rekeyRequest;
      if (o.otherCertsPem) env.CERTMONGER_SCEP_CERTIFICATES = o.otherCertsPem;
      const args = [...base];
      if (o.nonRenewal) args.push("-n");
      r = await runCommand(SCEP_SUBMIT, args, { timeoutSec, env });
    } else {
      const ra = join(dir, "ra.pem");
      const ca = join(dir, "ca.pem");
      const req = join(dir, "req.pem");
      await writeFile(ra, o.raCertPem);
      await writeFile(ca, o.caCertPem);
      await writeFile(req, o.request);
      const args = [...base, "-r", ra, "-N", ca];
      if (o.otherCertsPem) {
        const other = join(dir, "other.pem");
        await writeFile(other, o.otherCertsPem);
        args.push("-I", other);
      }
      if (o.nonRenewal) args.push("-n");
      args.push("-p", req); // -p takes no argument; the message file is positional
      r = await runCommand(SCEP_SUBMIT, args, { timeoutSec });
    }
    const m = /-----BEGIN PKCS7-----[\s\S]*?-----END PKCS7-----\n?/.exec(r.stdout);
    return { ...r, envelopePem: r.code === 0 && m ? m[0] : undefined };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** DER pkiMessage (e.g. from buildPkiRequest in src/scep/request-builder.ts) -> the PEM
 *  "-----BEGIN PKCS7-----" form scep-submit reads. */
export function pkcs7Pem(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN PKCS7-----\n${b64}-----END PKCS7-----\n`;
}

function parseCaps(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function splitPemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)?.map((p) => p + "\n") ?? [];
}

// ---------------------------------------------------------------------------------------------
// openssl

/** `openssl verify -CAfile caPath [-untrusted ...] certPath`; ok when exit 0 and "OK" printed. */
export async function opensslVerify(
  caPath: string,
  certPath: string,
  opts: { untrustedPath?: string; purpose?: string } = {},
): Promise<CmdResult & { ok: boolean }> {
  const args = ["verify", "-CAfile", caPath];
  if (opts.untrustedPath) args.push("-untrusted", opts.untrustedPath);
  if (opts.purpose) args.push("-purpose", opts.purpose);
  args.push(certPath);
  const r = await runCommand("openssl", args, { timeoutSec: 15 });
  return { ...r, ok: r.code === 0 && /: OK\s*$/m.test(r.stdout) };
}

/** opensslVerify for a certificate held in memory (PEM or DER): written to a temp file first. */
export async function opensslVerifyCert(
  caPath: string,
  cert: string | Uint8Array,
  opts: { untrustedPath?: string; purpose?: string } = {},
): Promise<CmdResult & { ok: boolean }> {
  const pem = typeof cert === "string" ? cert : pkcs7Pem(cert).replace(/PKCS7/g, "CERTIFICATE");
  const dir = await mkdtemp(join(tmpdir(), "scep-verify-"));
  try {
    const path = join(dir, "cert.pem");
    await writeFile(path, pem);
    return await opensslVerify(caPath, path, opts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Subject and issuer (RFC 2253), CN and serial (hex, upper case) of a PEM certificate. */
export async function certInfo(certPem: string): Promise<{ subject: string; serial: string; cn?: string; issuer: string }> {
  const r = await runCommand("openssl", ["x509", "-noout", "-subject", "-issuer", "-serial", "-nameopt", "RFC2253"], {
    input: certPem,
    timeoutSec: 15,
  });
  if (r.code !== 0) throw new Error(`cannot parse certificate\n${formatRun(r)}`);
  const field = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(r.stdout)?.[1]?.trim() ?? "";
  const subject = field("subject");
  return {
    subject,
    issuer: field("issuer"),
    serial: field("serial").toUpperCase(),
    cn: /(?:^|,)CN=([^,]*)/.exec(subject)?.[1],
  };
}

/** SHA-256 of the SubjectPublicKeyInfo, hex; equal for two certificates with the same key. */
export async function publicKeyFingerprint(certPem: string): Promise<string> {
  const r = await runCommand("sh", ["-c", "openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r"], {
    input: certPem,
    timeoutSec: 15,
  });
  if (r.code !== 0) throw new Error(`cannot hash public key\n${formatRun(r)}`);
  return r.stdout.split(" ")[0]!.trim();
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_/.:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
