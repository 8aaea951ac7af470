// Admin tool: create the CA hierarchy for a deployment (or a CSR for an external root, and later
// take its signed certificate back), checked as the Worker will load it. `npm run setup` runs it.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateCa, generateCaCsr, generateRaPair, type KeySpec } from "../src/ca/ca-generate";
import { type CaMaterial, loadCaMaterial } from "../src/ca/ca-material";
import { parseCommandLine, runMain, UsageError } from "./lib/cli";

const HELP = `Usage: npm run ca-bootstrap -- --out DIR [options]
       (or: npx tsx scripts/ca-bootstrap.ts --out DIR [options])

Default: a self-signed RSA-3072 root (10 years) and an issuing CA under it (5 years, RSA-2048).
  --out DIR        directory for the PEM files (created; existing files are never overwritten)
  --ec             issuing CA key EC P-256 instead of RSA-2048; implies --ra (the RA is RSA-2048:
                   SCEP clients encrypt their requests with RSA key transport, RFC 8894 §3.5.2)
  --ra             also write an RSA-2048 RA certificate and key (RA_CERT / RA_KEY), signed by the issuing CA
  --cn NAME        issuing CA common name (default "Edge SCEP Issuing CA")
  --org NAME       organization for every certificate (default "Edge SCEP")
An external root instead of our own, in two steps:
  --csr            write the issuing CA key and a CSR (CA:TRUE, pathLen 0) for your root CA to sign
  --signed FILE    then: the certificate your root issued for that CSR; DIR must hold the key from
                   --csr. Writes issuing-ca.crt and ca-chain.pem (and the RA with --ra or an EC key)
  --chain FILE     with --signed: the root (and any intermediates) to append to ca-chain.pem
  -h, --help       this text
Key files are written with mode 0600. Keep root-ca.key offline: the Worker never needs it.
Next: npm run setup -- --pki DIR (stores the secrets, deploys; see docs/deployment.md).`;

const EC_NEEDS_RSA_RA =
  "An EC issuing CA needs an RSA RA: SCEP clients encrypt their requests with RSA key transport (RFC 8894 §3.5.2)\n" +
  "to the RA certificate, else to the CA certificate, so without an RSA RA no client could enroll.";

const rand = (n: number) => new Uint8Array(randomBytes(n));

function main(): void {
  const { values, positionals } = parseCommandLine("ca-bootstrap", HELP, {
    out: { type: "string" },
    ec: { type: "boolean" },
    csr: { type: "boolean" },
    signed: { type: "string" },
    chain: { type: "string" },
    ra: { type: "boolean" },
    cn: { type: "string" },
    org: { type: "string" },
  });
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (!values.out) throw new UsageError("--out DIR is required");
  if (values.csr && (values.ra || values.signed))
    throw new UsageError("--csr writes the request only; add --ra to the --signed step, once your root has signed it");
  if (values.chain && !values.signed) throw new UsageError("--chain goes with --signed");
  const out = new Output(resolve(values.out));
  const names = { cn: values.cn ?? "Edge SCEP Issuing CA", org: values.org ?? "Edge SCEP" };
  if (values.csr) writeCsr(out, names, values.ec ?? false);
  else if (values.signed) importSigned(out, values.signed, values.chain, names.org, values.ra ?? false);
  else writeHierarchy(out, names, values.ec ?? false, (values.ra ?? false) || (values.ec ?? false));
}

/** Files under one directory, never overwritten; every name checked before the first is written. */
class Output {
  readonly written: string[] = [];
  constructor(readonly dir: string) {}
  refuseExisting(names: string[]): void {
    for (const name of names)
      if (existsSync(join(this.dir, name))) throw new Error(`${join(this.dir, name)} exists; refusing to overwrite a CA file`);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }
  write(name: string, content: string, secret = false): string {
    const path = join(this.dir, name);
    writeFileSync(path, content, { mode: secret ? 0o600 : 0o644, flag: "wx" });
    this.written.push(path);
    return path;
  }
}

function writeCsr(out: Output, names: { cn: string; org: string }, ec: boolean): void {
  out.refuseExisting(["issuing-ca.key", "issuing-ca.csr"]);
  const key: KeySpec = ec ? { algorithm: "ec", curve: "P-256" } : { algorithm: "rsa", bits: 2048 };
  const { csrPem, keyPem } = generateCaCsr({ subject: { commonName: names.cn, organization: names.org }, key });
  out.write("issuing-ca.key", keyPem, true);
  const csrPath = out.write("issuing-ca.csr", csrPem);
  console.log(`Wrote ${out.written.join(", ")}
${ec ? `\n${EC_NEEDS_RSA_RA}\nThe --signed step writes one under the CA.\n` : ""}
Next steps:
  1. Have your root CA sign ${csrPath} as a CA certificate: basicConstraints CA:TRUE, pathlen:0 (the
     request asks for both), keyUsage keyCertSign, cRLSign, digitalSignature${ec ? "" : ", keyEncipherment (SCEP clients encrypt to it)"}.
  2. Take the certificate back (with the root, and any intermediates, for the chain):
       npm run ca-bootstrap -- --out ${out.dir} --signed issuing-ca.crt --chain root-ca.crt${ec ? "" : " [--ra]"}
  3. npm run setup -- --pki ${out.dir}`);
}

function importSigned(out: Output, signedPath: string, chainPath: string | undefined, org: string, wantRa: boolean): void {
  const keyPem = readFileSync(join(out.dir, "issuing-ca.key"), "utf8");
  const certPem = readFileSync(resolve(signedPath), "utf8");
  const chainPem = chainPath ? readFileSync(resolve(chainPath), "utf8") : "";
  // The Worker's own checks: a CA certificate whose key is the one --csr wrote.
  const material = loadCaMaterial({ caCertPem: certPem + chainPem, caKeyPem: keyPem }, { issuerOnly: true });
  const withRa = wantRa || material.caKey.algorithm === "ec";
  out.refuseExisting(["issuing-ca.crt", "ca-chain.pem", ...(withRa ? ["ra.crt", "ra.key"] : [])]);
  const ra = withRa ? makeRa(material, org) : undefined;
  loadCaMaterial({ caCertPem: certPem + chainPem, caKeyPem: keyPem, raCertPem: ra?.certPem, raKeyPem: ra?.keyPem });
  out.write("issuing-ca.crt", certPem);
  out.write("ca-chain.pem", certPem.trimEnd() + "\n" + chainPem);
  writeRa(out, ra);
  console.log(
    `Wrote:\n  ${out.written.join("\n  ")}\n\nIssuing CA SHA-256: ${colons(material.fingerprintSha256Hex)}\n\nNext: npm run setup -- --pki ${out.dir}`,
  );
}

function writeHierarchy(out: Output, names: { cn: string; org: string }, ec: boolean, withRa: boolean): void {
  out.refuseExisting(["root-ca.crt", "root-ca.key", "issuing-ca.crt", "issuing-ca.key", "ca-chain.pem", ...(withRa ? ["ra.crt", "ra.key"] : [])]);
  const now = new Date();
  const root = generateCa({
    subject: { commonName: "Edge SCEP Root CA", organization: names.org },
    key: { algorithm: "rsa", bits: 3072 },
    validityDays: 3652,
    now,
    randomBytes: rand,
  });
  const rootMaterial = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem }, { issuerOnly: true });
  const issuingKey: KeySpec = ec ? { algorithm: "ec", curve: "P-256" } : { algorithm: "rsa", bits: 2048 };
  const issuing = generateCa({
    subject: { commonName: names.cn, organization: names.org },
    key: issuingKey,
    validityDays: 1826,
    issuer: rootMaterial,
    pathLength: 0,
    now,
    randomBytes: rand,
  });
  const chainPem = issuing.certPem + root.certPem;
  const material = loadCaMaterial({ caCertPem: chainPem, caKeyPem: issuing.keyPem }, { issuerOnly: true });
  const ra = withRa ? makeRa(material, names.org) : undefined;
  // What the Worker will load, checked as the Worker checks it, before anything is written.
  loadCaMaterial({ caCertPem: chainPem, caKeyPem: issuing.keyPem, raCertPem: ra?.certPem, raKeyPem: ra?.keyPem });
  out.write("root-ca.crt", root.certPem);
  out.write("root-ca.key", root.keyPem, true);
  out.write("issuing-ca.crt", issuing.certPem);
  out.write("issuing-ca.key", issuing.keyPem, true);
  out.write("ca-chain.pem", chainPem);
  writeRa(out, ra);
  if (ec) console.log(`${EC_NEEDS_RSA_RA}\nWrote an RSA-2048 RA (ra.crt, ra.key) under the EC issuing CA.\n`);
  console.log(`Wrote:
  ${out.written.join("\n  ")}

Issuing CA SHA-256: ${colons(material.fingerprintSha256Hex)}
Root CA SHA-256:    ${colons(rootMaterial.fingerprintSha256Hex)}

Next: npm run setup -- --pki ${out.dir}   (stores CA_KEY, CA_CERT${withRa ? ", RA_KEY, RA_CERT" : ""} as secrets and deploys)
Move ${join(out.dir, "root-ca.key")} offline; the Worker only needs the issuing CA key.`);
}

function makeRa(ca: CaMaterial, org: string): { certPem: string; keyPem: string } {
  return generateRaPair({
    ca,
    subject: { commonName: "Edge SCEP RA", organization: org },
    key: { algorithm: "rsa", bits: 2048 },
    now: new Date(),
    randomBytes: rand,
  });
}

function writeRa(out: Output, ra: { certPem: string; keyPem: string } | undefined): void {
  if (!ra) return;
  out.write("ra.crt", ra.certPem);
  out.write("ra.key", ra.keyPem, true);
}

function colons(hex: string): string {
  return hex.match(/../g)!.join(":");
}

runMain("ca-bootstrap", main);
