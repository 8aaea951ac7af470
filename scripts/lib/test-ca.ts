// A throwaway CA (and optionally an RA signed by it) made with the openssl CLI, for interop tests
// and scripts. RSA-2048, keys as unencrypted PKCS#8 PEM (the CA_KEY / RA_KEY secret format).
// No vitest imports.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyPair {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
}

export interface TestCa extends KeyPair {
  dir: string;
  /** Present when created with { ra: true }: an RA certificate issued by the CA. */
  ra?: KeyPair;
  /** Remove dir (only if this module created it). */
  cleanup(): Promise<void>;
}

export interface TestCaOptions {
  /** Directory to write into (must exist); default: a fresh mkdtemp under the OS temp dir. */
  dir?: string;
  cn?: string;
  days?: number;
  ra?: boolean;
}

const CA_EXT = [
  "basicConstraints = critical, CA:true",
  "keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign, cRLSign",
  "subjectKeyIdentifier = hash",
];
// An RA signs CertReps and receives the request's content-encryption key (RFC 8894 §2.1).
const RA_EXT = [
  "basicConstraints = critical, CA:false",
  "keyUsage = critical, digitalSignature, keyEncipherment",
  "subjectKeyIdentifier = hash",
  "authorityKeyIdentifier = keyid:always",
];

export async function createTestCa(opts: TestCaOptions = {}): Promise<TestCa> {
  const owned = !opts.dir;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "scep-test-ca-")));
  const days = String(opts.days ?? 30);
  const cn = opts.cn ?? "Edge SCEP Test CA";
  try {
    const keyPath = join(dir, "ca.key");
    const certPath = join(dir, "ca.pem");
    const caExt = join(dir, "ca.ext");
    // A config with only our section: the system openssl.cnf's v3_ca must not add extensions.
    await writeFile(caExt, ["[req]", "distinguished_name = dn", "[dn]", "[v3]", ...CA_EXT, ""].join("\n"));
    await openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", keyPath]);
    await openssl([
      "req",
      "-x509",
      "-new",
      "-config",
      caExt,
      "-extensions",
      "v3",
      "-key",
      keyPath,
      "-sha256",
      "-days",
      days,
      "-subj",
      `/O=Edge SCEP Tests/CN=${cn}`,
      "-set_serial",
      randomSerial(),
      "-out",
      certPath,
    ]);
    const ca: TestCa = {
      dir,
      certPath,
      keyPath,
      certPem: await readFile(certPath, "utf8"),
      keyPem: await readFile(keyPath, "utf8"),
      cleanup: async () => {
        if (owned) await rm(dir, { recursive: true, force: true });
      },
    };
    if (opts.ra) ca.ra = await issueRa(dir, certPath, keyPath, days, `${cn} RA`);
    return ca;
  } catch (e) {
    if (owned) await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

async function issueRa(dir: string, caCert: string, caKey: string, days: string, cn: string): Promise<KeyPair> {
  const keyPath = join(dir, "ra.key");
  const certPath = join(dir, "ra.pem");
  const csrPath = join(dir, "ra.csr");
  const ext = join(dir, "ra.ext");
  await writeFile(ext, ["[v3]", ...RA_EXT, ""].join("\n"));
  await openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", keyPath]);
  await openssl(["req", "-new", "-key", keyPath, "-subj", `/O=Edge SCEP Tests/CN=${cn}`, "-out", csrPath]);
  await openssl([
    "x509",
    "-req",
    "-in",
    csrPath,
    "-CA",
    caCert,
    "-CAkey",
    caKey,
    "-set_serial",
    randomSerial(),
    "-sha256",
    "-days",
    days,
    "-extfile",
    ext,
    "-extensions",
    "v3",
    "-out",
    certPath,
  ]);
  return { certPath, keyPath, certPem: await readFile(certPath, "utf8"), keyPem: await readFile(keyPath, "utf8") };
}

function randomSerial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01; // positive, 16 bytes
  return "0x" + Buffer.from(b).toString("hex");
}

function openssl(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    execFile("openssl", args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`openssl ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else res(stdout);
    });
  });
}
