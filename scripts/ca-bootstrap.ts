// Admin tool: create the CA hierarchy for a deployment and print the wrangler steps.
// Usage: tsx scripts/ca-bootstrap.ts --out DIR [--ec] [--ra] [--csr] [--cn NAME] [--org NAME]
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateCa, generateCaCsr, generateRaPair, type KeySpec } from "../src/ca/ca-generate";
import { loadCaMaterial } from "../src/ca/ca-material";

const HELP = `Usage: tsx scripts/ca-bootstrap.ts --out DIR [options]

Default: a self-signed RSA-3072 root (10 years) and an issuing CA under it (5 years, RSA-2048).
  --out DIR     directory for the PEM files (created; existing files are never overwritten)
  --ec          issuing CA key EC P-256 instead of RSA-2048; implies --ra (the RA is RSA-2048:
                SCEP clients encrypt their requests with RSA key transport, RFC 8894 §3.5.2)
  --csr         no root: write the issuing CA key and a CSR for your external root CA to sign
  --ra          also write an RSA-2048 RA certificate and key (RA_CERT / RA_KEY), signed by the issuing CA
  --cn NAME     issuing CA common name (default "Edge SCEP Issuing CA")
  --org NAME    organization for every certificate (default "Edge SCEP")
  --help        this text
Key files are written with mode 0600. Keep root-ca.key offline: the Worker never needs it.`;

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    ec: { type: "boolean", default: false },
    csr: { type: "boolean", default: false },
    ra: { type: "boolean", default: false },
    cn: { type: "string", default: "Edge SCEP Issuing CA" },
    org: { type: "string", default: "Edge SCEP" },
    help: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  console.error(`ca-bootstrap: ${message}\n\n${HELP}`);
  process.exit(2);
}

if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (!values.out) fail("--out DIR is required");
if (values.csr && values.ra) fail("--ra needs the signed issuing CA certificate; run it after the external root has signed the CSR");

// SCEP clients encrypt to the RA when there is one, else to the CA, always with RSA key transport
// (RFC 8894 §3.5.2, RFC 5652 §6.2.1): an EC CA is only reachable through an RSA RA.
const withRa = values.ra || values.ec;
const EC_NEEDS_RSA_RA =
  "An EC issuing CA needs an RSA RA: SCEP clients encrypt their requests with RSA key transport (RFC 8894 §3.5.2)\n" +
  "to the RA certificate, else to the CA certificate, so without an RSA RA no client could enroll.";
const outDir = resolve(values.out);
const planned = values.csr
  ? ["issuing-ca.key", "issuing-ca.csr"]
  : ["root-ca.crt", "root-ca.key", "issuing-ca.crt", "issuing-ca.key", "ca-chain.pem", ...(withRa ? ["ra.crt", "ra.key"] : [])];
// Checked before anything is written, so a rerun never leaves a half-replaced hierarchy.
for (const name of planned) if (existsSync(join(outDir, name))) fail(`${join(outDir, name)} exists; refusing to overwrite a CA file`);
mkdirSync(outDir, { recursive: true, mode: 0o700 });
const rand = (n: number) => new Uint8Array(randomBytes(n));
const now = new Date();
const issuingKey: KeySpec = values.ec ? { algorithm: "ec", curve: "P-256" } : { algorithm: "rsa", bits: 2048 };
const written: string[] = [];

function write(name: string, content: string, secret = false): string {
  const path = join(outDir, name);
  if (existsSync(path)) fail(`${path} exists; refusing to overwrite a CA file`);
  writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
  written.push(path);
  return path;
}

if (values.csr) {
  const { csrPem, keyPem } = generateCaCsr({ subject: { commonName: values.cn!, organization: values.org }, key: issuingKey });
  const keyPath = write("issuing-ca.key", keyPem, true);
  const csrPath = write("issuing-ca.csr", csrPem);
  const ecNote = values.ec
    ? `\n${EC_NEEDS_RSA_RA}\nOnce the CA is signed, issue an RSA-2048 RA certificate under it (keyUsage digitalSignature,\nkeyEncipherment) and set RA_CERT / RA_KEY as well: the Worker answers 503 naming RA_CERT otherwise.\n`
    : "";
  console.log(`Wrote ${written.join(", ")}
${ecNote}
Next steps:
  1. Have your root CA sign ${csrPath} as a CA certificate (basicConstraints CA:TRUE, pathlen:0,
     ${values.ec ? "keyUsage keyCertSign, cRLSign, digitalSignature; the RSA RA receives the requests)." : "keyUsage keyCertSign, cRLSign, digitalSignature, keyEncipherment: SCEP clients encrypt to it)."}
  2. Build CA_CERT: the issued certificate first, then the root (and any intermediates):
       cat issuing-ca.crt root-ca.crt > ca-chain.pem
  3. npx wrangler secret put CA_KEY < ${keyPath}
  4. Set the CA_CERT var to the contents of ca-chain.pem: in wrangler.toml [vars] as
     CA_CERT = """<paste>""", or  npx wrangler deploy --var CA_CERT:"$(cat ca-chain.pem)"`);
  process.exit(0);
}

const root = generateCa({
  subject: { commonName: "Edge SCEP Root CA", organization: values.org },
  key: { algorithm: "rsa", bits: 3072 },
  validityDays: 3652,
  now,
  randomBytes: rand,
});
const rootMaterial = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem }, { issuerOnly: true });
const issuing = generateCa({
  subject: { commonName: values.cn!, organization: values.org },
  key: issuingKey,
  validityDays: 1826,
  issuer: rootMaterial,
  pathLength: 0,
  now,
  randomBytes: rand,
});
const chainPem = issuing.certPem + root.certPem;
const issuingMaterial = loadCaMaterial({ caCertPem: chainPem, caKeyPem: issuing.keyPem }, { issuerOnly: true });
const ra = withRa
  ? generateRaPair({
      ca: issuingMaterial,
      subject: { commonName: "Edge SCEP RA", organization: values.org },
      key: { algorithm: "rsa", bits: 2048 },
      now,
      randomBytes: rand,
    })
  : undefined;
// What the Worker will load, checked as the Worker checks it, before anything is written.
loadCaMaterial({ caCertPem: chainPem, caKeyPem: issuing.keyPem, raCertPem: ra?.certPem, raKeyPem: ra?.keyPem });

write("root-ca.crt", root.certPem);
write("root-ca.key", root.keyPem, true);
write("issuing-ca.crt", issuing.certPem);
const issuingKeyPath = write("issuing-ca.key", issuing.keyPem, true);
const chainPath = write("ca-chain.pem", chainPem);
let raSteps = "";
if (ra) {
  const raCertPath = write("ra.crt", ra.certPem);
  const raKeyPath = write("ra.key", ra.keyPem, true);
  raSteps = `
  npx wrangler secret put RA_KEY < ${raKeyPath}
  RA_CERT: set like CA_CERT, from ${raCertPath}`;
}
if (values.ec) console.log(`${EC_NEEDS_RSA_RA}\nWrote an RSA-2048 RA (ra.crt, ra.key) under the EC issuing CA.\n`);

console.log(`Wrote:
  ${written.join("\n  ")}

Issuing CA SHA-256: ${issuingMaterial.fingerprintSha256Hex.match(/../g)!.join(":")}
Root CA SHA-256:    ${rootMaterial.fingerprintSha256Hex.match(/../g)!.join(":")}

Deploy:
  npx wrangler secret put CA_KEY < ${issuingKeyPath}${raSteps}
  CA_CERT (issuing CA first, then the root) is a var: put the contents of ${chainPath} in
  wrangler.toml [vars] as a multi-line string, CA_CERT = """<paste>""", or pass it at deploy time:
    npx wrangler deploy --var CA_CERT:"$(cat ${chainPath})"
  (locally, .dev.vars takes it as CA_CERT="...\\n..." with literal \\n; see scripts/dev-setup.ts)

Move ${join(outDir, "root-ca.key")} offline; the Worker only needs the issuing CA key.`);
