// SCEP smoke-test client for admins: enroll (PKCSReq), renew (RenewalReq), or just look at
// GetCACaps / GetCACert of any SCEP URL, local or deployed. Built on the client library in src/client.
//
//   npx tsx scripts/scep-client.ts --url https://scep.example.com/scep --challenge s3cr3t --cn dev1
//   npx tsx scripts/scep-client.ts caps --url URL
//   npx tsx scripts/scep-client.ts cacert --url URL --out ca.pem
//
// Exit codes: 0 issued (or caps/cacert OK), 1 error, 2 bad command line (as every script), 3 PENDING,
// 4 CertRep FAILURE.
import { chmod, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { mkdir } from "node:fs/promises";
import { parseCommandLine, runMain, UsageError } from "./lib/cli";
import { certDerFromPem, certPem, keyFromPem, newRsaKey, spkiSha256OfKey, summarizeCert, type ClientKey } from "../src/client/certificates";
import { buildCsr, selfSignedSigner } from "../src/client/csr-builder";
import { chooseAlgorithms, CIPHERS, discoverCa, FAIL_INFO_NAMES, HASHES } from "../src/client/discovery";
import { buildRequest, openCertRep, randomOctets, type BuiltRequest } from "../src/client/enrollment";
import { sendPkiOperation, type ClientOptions } from "../src/client/scep-client";
import type { HashName } from "../src/crypto/algorithms";
import type { ContentCipherName } from "../src/scep/content-cipher";
import { MessageType, PkiStatus } from "../src/scep/oids";
import { certDer } from "../src/x509/cert-ref";
import { parseCertView } from "../src/x509/cert-view";

const HELP = `SCEP test client (RFC 8894)

Usage:
  npm run scep-client -- [enroll] --url URL [options]   enroll (PKCSReq), or renew with --renew
  npm run scep-client -- caps     --url URL              print GetCACaps
  npm run scep-client -- cacert   --url URL [--out ca.pem] [--ca-fingerprint HEX]
                                                         print (and save) GetCACert

Options:
  --url URL               SCEP endpoint, e.g. http://127.0.0.1:8787/scep (the client appends ?operation=)
  --challenge X           challengePassword for the CSR (omit for none)
  --cn NAME               subject CN (default: scep-client-<random>); ignored with --renew
  --dns a,b               DNS subjectAltNames
  --key key.pem           client key; created (RSA-2048, PKCS#8, mode 0600) if missing.
                          Default: dev/scep-client-<cn>/key.pem (one directory per identity)
  --out cert.pem          where the issued certificate is written. Default: next to the key, cert.pem
  --cipher NAME           ${CIPHERS.join("|")} (default from caps: aes-128-cbc if AES)
  --digest NAME           ${HASHES.join("|")} (default from caps: sha256 if SHA-256)
  --transport post|get    default: post if POSTPKIOperation is advertised
  --renew                 RenewalReq (17): sign with the existing --out certificate and --key
                          (same key, same subject)
  --ca-fingerprint HEX    SHA-256 of the expected CA (or RA) certificate; abort on mismatch
  --transaction-id X      default: hex SHA-1 of the public key (RFC 8894 §3.2.1.1). The server binds a
                          transactionID to one request: use "random" to enroll the same key again
  --timeout SEC           per HTTP request (default 30)
  --verbose               print request details
  -h, --help

Exit codes: 0 success, 1 error, 2 bad command line, 3 PENDING (run the same command again once an
admin has approved: the same key gives the same transactionID, and the server answers with the
certificate), 4 FAILURE (failInfo printed).`;

interface Args {
  command: "enroll" | "caps" | "cacert";
  url: string;
  challenge?: string;
  cn?: string;
  dns: string[];
  key?: string;
  out?: string;
  cipher?: ContentCipherName;
  digest?: HashName;
  transport?: "POST" | "GET";
  renew: boolean;
  caFingerprint?: string;
  transactionId?: string;
  timeoutMs: number;
  verbose: boolean;
}

function parse(argv: string[]): Args {
  const { values, positionals } = parseCommandLine(
    "scep-client",
    HELP,
    {
      url: { type: "string" },
      challenge: { type: "string" },
      cn: { type: "string" },
      dns: { type: "string" },
      key: { type: "string" },
      out: { type: "string" },
      cipher: { type: "string" },
      digest: { type: "string" },
      transport: { type: "string" },
      renew: { type: "boolean", default: false },
      "ca-fingerprint": { type: "string" },
      "transaction-id": { type: "string" },
      timeout: { type: "string" },
      verbose: { type: "boolean", short: "v", default: false },
    },
    argv,
  );
  if (positionals.length > 1) throw new UsageError(`unexpected arguments: ${positionals.slice(1).join(" ")}`);
  const command = (positionals[0] ?? "enroll") as Args["command"];
  if (!["enroll", "caps", "cacert"].includes(command)) throw new UsageError(`unknown command ${command}`);
  if (!values.url) throw new UsageError("--url is required");
  try {
    new URL(values.url);
  } catch {
    throw new UsageError(`--url is not a URL: ${values.url}`);
  }
  const cipher = values.cipher?.toLowerCase();
  if (cipher && !CIPHERS.includes(cipher as ContentCipherName)) throw new UsageError(`--cipher must be one of ${CIPHERS.join(", ")}`);
  const digest = values.digest?.toLowerCase().replace("-", "");
  if (digest && !HASHES.includes(digest as HashName)) throw new UsageError(`--digest must be one of ${HASHES.join(", ")}`);
  const transport = values.transport?.toUpperCase();
  if (transport && transport !== "POST" && transport !== "GET") throw new UsageError("--transport must be post or get");
  const timeoutSec = values.timeout ? Number(values.timeout) : 30;
  if (!(timeoutSec > 0)) throw new UsageError("--timeout must be a positive number of seconds");
  const fp = values["ca-fingerprint"]?.replace(/[:\s]/g, "").toLowerCase();
  if (fp !== undefined && !/^[0-9a-f]{64}$/.test(fp)) throw new UsageError("--ca-fingerprint must be 64 hex digits (SHA-256)");
  if (values.renew && (!values.key || !values.out)) throw new UsageError("--renew needs --key and --out (the certificate to renew)");
  return {
    command,
    url: values.url.replace(/\/+$/, ""),
    challenge: values.challenge,
    cn: values.cn,
    dns: values.dns
      ? values.dns
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    key: values.key,
    out: values.out,
    cipher: cipher as ContentCipherName | undefined,
    digest: digest as HashName | undefined,
    transport: transport as "POST" | "GET" | undefined,
    renew: values.renew ?? false,
    caFingerprint: fp,
    transactionId: values["transaction-id"],
    timeoutMs: timeoutSec * 1000,
    verbose: values.verbose ?? false,
  };
}

const ms = (t0: number) => `${(performance.now() - t0).toFixed(1)} ms`;
const log = (s = "") => process.stdout.write(s + "\n");

async function main(argv: string[]): Promise<number> {
  const a = parse(argv);
  const client: ClientOptions = {
    url: a.url,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(a.timeoutMs) }),
  };
  const timings: [string, string][] = [];
  const tTotal = performance.now();

  // GetCACaps + GetCACert
  let t = performance.now();
  const ca = await discoverCa(client);
  timings.push(["GetCACaps+GetCACert", ms(t)]);
  log(`URL          ${a.url}`);
  log(`caps         ${ca.caps.join(" ") || "(none)"}`);
  log(`GetCACert    ${ca.contentType}, ${ca.certs.length} certificate(s)`);
  for (const c of ca.certs) {
    const role = c === ca.ra ? "RA" : c === ca.ca ? "CA" : c.isCa ? "CA chain" : "other";
    log(`  ${role.padEnd(8)} ${c.subject}`);
    log(`           sha256 ${c.sha256}`);
  }
  log(`CA fingerprint ${ca.ca.sha256}`);
  if (a.caFingerprint) {
    const match = ca.certs.find((c) => c.sha256 === a.caFingerprint);
    if (!match) {
      process.stderr.write(`error: no GetCACert certificate has SHA-256 ${a.caFingerprint}\n`);
      return 1;
    }
    log(`fingerprint  verified (${match === ca.ra ? "RA" : "CA"} ${match.subject})`);
  }
  if (a.command === "caps") return 0;
  if (a.command === "cacert") {
    if (a.out) {
      await writeFile(a.out, ca.certs.map((c) => certPem(c.der)).join(""));
      log(`wrote        ${a.out}`);
    }
    return 0;
  }

  // key, signer, CSR
  const defaults = chooseAlgorithms(ca.caps);
  const cipher = a.cipher ?? defaults.cipher;
  const hash = a.digest ?? defaults.hash;
  const transport = a.transport ?? defaults.transport;
  const cn = a.cn ?? `scep-client-${Math.random().toString(36).slice(2, 8)}`;
  // Defaults that cannot clash: one directory per identity, out of the way of the repository.
  const keyPath = a.key ?? `dev/scep-client-${cn}/key.pem`;
  const outPath = a.out ?? `${dirname(keyPath)}/cert.pem`;
  await mkdir(dirname(keyPath), { recursive: true });

  t = performance.now();
  let key: ClientKey;
  if (existsSync(keyPath)) {
    key = keyFromPem(await readFile(keyPath, "utf8"));
    log(`key          ${keyPath} (existing, ${key.handle.algorithm.toUpperCase()}-${key.handle.bits})`);
  } else {
    key = newRsaKey(2048);
    await writeFile(keyPath, key.pem, { mode: 0o600 });
    await chmod(keyPath, 0o600);
    timings.push(["key generation", ms(t)]);
    log(`key          ${keyPath} (created RSA-2048, mode 0600)`);
  }

  const transactionId = a.transactionId === "random" ? Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString("hex") : a.transactionId;
  t = performance.now();
  let request: BuiltRequest;
  if (a.renew) {
    if (!existsSync(outPath)) throw new Error(`--renew: ${outPath} does not exist`);
    const old = certDerFromPem(await readFile(outPath, "utf8"));
    const oldSummary = summarizeCert(old);
    if (oldSummary.spkiSha256 !== spkiSha256OfKey(key.handle)) throw new Error(`--renew: ${keyPath} is not the key of ${outPath}`);
    if (!ca.caps.some((c) => c.toLowerCase() === "renewal")) log("warning      the server does not advertise Renewal");
    if (a.cn) log("note         --cn is ignored with --renew (the subject of the old certificate is kept)");
    log(`renewing     serial ${oldSummary.serialHex}, ${oldSummary.subject}, notAfter ${oldSummary.notAfter.toISOString()}`);
    const csrDer = buildCsr({
      key: key.handle,
      subject: parseCertView(old).subjectDer,
      challenge: a.challenge,
      dnsNames: a.dns.length ? a.dns : oldSummary.dnsNames,
      hash,
    });
    request = buildRequest({
      messageType: MessageType.RenewalReq,
      csrDer,
      signer: { cert: old, key: key.handle },
      recipients: ca.recipients,
      cipher,
      hash,
      transactionId,
    });
  } else {
    const csrDer = buildCsr({ key: key.handle, subject: { commonName: cn }, challenge: a.challenge, dnsNames: a.dns, hash });
    const signer = { cert: selfSignedSigner(key.handle, { commonName: cn }, new Date(), randomOctets), key: key.handle };
    request = buildRequest({ messageType: MessageType.PKCSReq, csrDer, signer, recipients: ca.recipients, cipher, hash, transactionId });
  }
  timings.push(["build request", ms(t)]);
  const type = a.renew ? "RenewalReq (17)" : "PKCSReq (19)";
  log(`request      ${type}, ${cipher}, ${hash}, ${transport}, encrypted to ${ca.ra ? "RA" : "CA"}, ${request.der.length} bytes`);
  if (a.verbose) {
    log(`  transactionID ${request.transactionId}`);
    log(`  senderNonce   ${Buffer.from(request.senderNonce).toString("hex")}`);
    log(`  signer        ${a.renew ? "old certificate" : "self-signed"} ${summarizeCert(certDer(request.signer.cert)).subject}`);
    log(`  challenge     ${a.challenge === undefined ? "(none)" : `${a.challenge.length} characters`}`);
    if (a.dns.length) log(`  dnsNames      ${a.dns.join(", ")}`);
  }

  // PKIOperation
  t = performance.now();
  const res = await sendPkiOperation(client, request.der, transport);
  const body = new Uint8Array(await res.arrayBuffer());
  timings.push(["PKIOperation", ms(t)]);
  const contentType = res.headers.get("content-type") ?? "";
  if (a.verbose) log(`  HTTP ${res.status} ${contentType}, ${body.length} bytes`);
  if (res.status !== 200 || !contentType.startsWith("application/x-pki-message")) {
    const text = new TextDecoder().decode(body.slice(0, 500));
    throw new Error(`PKIOperation: HTTP ${res.status} ${contentType}${text ? `: ${text}` : ""}`);
  }
  t = performance.now();
  const rep = openCertRep(
    body,
    request,
    ca.certs.map((c) => c.der),
  );
  timings.push(["verify+decrypt CertRep", ms(t)]);
  timings.push(["total", ms(tTotal)]);

  let code: number;
  if (rep.status === PkiStatus.SUCCESS) {
    const der = rep.certificates[0];
    if (!der) throw new Error("SUCCESS without a certificate");
    const s = summarizeCert(der);
    if (s.spkiSha256 !== spkiSha256OfKey(key.handle)) throw new Error("issued certificate does not carry the request key");
    await writeFile(outPath, certPem(der));
    log(`SUCCESS      serial ${s.serialHex}`);
    log(`  subject    ${s.subject}`);
    log(`  issuer     ${s.issuer}`);
    log(`  notBefore  ${s.notBefore.toISOString()}`);
    log(`  notAfter   ${s.notAfter.toISOString()}`);
    if (s.dnsNames.length) log(`  dnsNames   ${s.dnsNames.join(", ")}`);
    log(`  sha256     ${s.sha256}`);
    log(`  reply      ${rep.replyCipher ?? "?"}, ${rep.certificates.length} certificate(s) in the payload`);
    log(`  wrote      ${outPath}`);
    code = 0;
  } else if (rep.status === PkiStatus.FAILURE) {
    const name = rep.failInfo === undefined ? "(none)" : `${FAIL_INFO_NAMES[rep.failInfo] ?? "unknown"} (${rep.failInfo})`;
    log(`FAILURE      failInfo ${name}${rep.failInfoText ? `: ${rep.failInfoText}` : ""}`);
    code = 4;
  } else if (rep.status === PkiStatus.PENDING) {
    log(`PENDING      transactionID ${rep.transactionId}: the request waits for an admin's approval.`);
    log(`             Once approved, run this same command again (same --key): it gets the certificate.`);
    code = 3;
  } else {
    throw new Error(`unknown pkiStatus ${String(rep.status)}`);
  }
  log("timings");
  for (const [k, v] of timings) log(`  ${k.padEnd(24)} ${v}`);
  return code;
}

runMain("scep-client", () => main(process.argv.slice(2)));
