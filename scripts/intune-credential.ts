// Admin tool: make the key pair and certificate for the Entra app's certificate credential
// (INTUNE_CLIENT_CERT + INTUNE_CLIENT_KEY), and print the steps. See docs/deployment.md.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseCommandLine, usageExit } from "./lib/cli";
import { makeEntraCredential } from "./lib/entra-credential";

const HELP = `Usage: npm run intune-credential -- --out DIR [options]
       (or: npx tsx scripts/intune-credential.ts --out DIR [options])

Makes an RSA key and a self-signed certificate for the Entra app registration the Worker uses
with Intune: upload the certificate in Entra (App registrations > your app > Certificates &
secrets > Certificates > Upload certificate), give the Worker the certificate as the var
INTUNE_CLIENT_CERT and the key as the secret INTUNE_CLIENT_KEY. Microsoft recommends a
certificate over a client secret; Entra accepts certificates of any lifetime, but rotate yearly.

  --out DIR     directory for entra-app.crt and entra-app.key (created; never overwritten)
  --cn NAME     certificate common name (default "Edge SCEP Intune app")
  --days N      validity in days, 1-1095 (default 365)
  --bits N      RSA key size: 2048, 3072 or 4096 (default 2048)
  -h, --help    this text
The key file is written with mode 0600. It never leaves your machine except into the Worker's secret.`;

const { values, positionals } = parseCommandLine("intune-credential", HELP, {
  out: { type: "string" },
  cn: { type: "string", default: "Edge SCEP Intune app" },
  days: { type: "string", default: "365" },
  bits: { type: "string", default: "2048" },
});

function fail(message: string): never {
  return usageExit("intune-credential", message);
}

if (positionals.length) fail(`unexpected argument ${positionals[0]}`);
if (!values.out) fail("--out is required");
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 1095) fail("--days must be an integer from 1 to 1095");
const bits = Number(values.bits);
if (![2048, 3072, 4096].includes(bits)) fail("--bits must be 2048, 3072 or 4096");

const out = resolve(values.out);
const certPath = join(out, "entra-app.crt");
const keyPath = join(out, "entra-app.key");
for (const path of [certPath, keyPath]) {
  if (existsSync(path)) {
    process.stderr.write(`intune-credential: ${path} exists; choose another --out\n`);
    process.exit(1);
  }
}
mkdirSync(out, { recursive: true });

const credential = makeEntraCredential({ commonName: values.cn!, days, bits });
writeFileSync(certPath, credential.certPem);
writeFileSync(keyPath, credential.keyPem, { mode: 0o600 });

console.log(`Certificate  ${certPath}
Key          ${keyPath} (mode 0600)
Thumbprint   ${credential.thumbprintSha1}   (SHA-1, as Entra lists it)
x5t#S256     ${credential.x5tS256}
Expires      ${credential.notAfter.toISOString()}

1. Entra admin center > App registrations > your app > Certificates & secrets > Certificates >
   Upload certificate: ${certPath}. Check the thumbprint Entra shows is the one above.
2. The Worker (the key is a secret, the certificate a var):
     npx wrangler secret put INTUNE_CLIENT_KEY < ${keyPath}
     wrangler.toml [vars]: INTUNE_CLIENT_CERT = """<contents of ${certPath}>"""
     npx wrangler deploy
3. npm run admin -- --url https://<worker-host> stats   shows "intune": { "credential": { "kind": "certificate", … } }.
4. Then delete the old client secret: npx wrangler secret delete INTUNE_CLIENT_SECRET, and in Entra.
Renew before ${credential.notAfter.toISOString().slice(0, 10)}: the admin stats and the logs warn 30 days ahead.`);
