// scripts/ca-bootstrap.ts as admins run it (`npx tsx scripts/ca-bootstrap.ts ...`): an EC issuing CA
// always comes with an RSA-2048 RA, because SCEP clients can only encrypt to an RSA key (RFC 8894
// §3.5.2), and what it writes loads as a Worker configuration.
import { spawnSync } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CaConfigError, loadCaMaterial } from "../../src/ca/ca-material";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];

function bootstrap(...args: string[]): { status: number | null; out: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "ca-bootstrap-test-"));
  dirs.push(dir);
  const out = join(dir, "pki");
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/ca-bootstrap.ts", ...args, "--out", out], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, dir: out };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const read = (dir: string, name: string) => readFileSync(join(dir, name), "utf8");

describe("ca-bootstrap --ec", () => {
  it.each([[["--ec"]], [["--ec", "--ra"]]])(
    "%j writes an EC issuing CA and an RSA-2048 RA that load together",
    (args) => {
      const r = bootstrap(...args);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toMatch(/RSA RA/);
      const caKey = createPrivateKey(read(r.dir, "issuing-ca.key"));
      const raKey = createPrivateKey(read(r.dir, "ra.key"));
      expect(caKey.asymmetricKeyType).toBe("ec");
      expect(raKey.asymmetricKeyType).toBe("rsa");
      expect(raKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      const m = loadCaMaterial({
        caCertPem: read(r.dir, "ca-chain.pem"),
        caKeyPem: read(r.dir, "issuing-ca.key"),
        raCertPem: read(r.dir, "ra.crt"),
        raKeyPem: read(r.dir, "ra.key"),
      });
      expect(m.ra?.key.algorithm).toBe("rsa");
      expect(m.chainDers).toHaveLength(1);
      // Without the RA the same CA is refused, naming RA_CERT.
      expect(() => loadCaMaterial({ caCertPem: read(r.dir, "ca-chain.pem"), caKeyPem: read(r.dir, "issuing-ca.key") })).toThrow(CaConfigError);
    },
    60_000,
  );
});

describe("ca-bootstrap with an external root: --csr, then --signed", () => {
  it("the CSR asks for CA:TRUE with pathLen 0; the signed certificate comes back as ca-chain.pem with an RA, and a wrong one is refused", () => {
    const r = bootstrap("--csr");
    expect(r.status, r.out).toBe(0);
    const csrText = spawnSync("openssl", ["req", "-in", join(r.dir, "issuing-ca.csr"), "-noout", "-text"], { encoding: "utf8" }).stdout;
    expect(csrText).toMatch(/CA:TRUE, pathlen:0/);
    expect(r.out).toContain("--signed issuing-ca.crt --chain root-ca.crt");

    // The external root: openssl signs the CSR as an admin's root CA would.
    const root = join(r.dir, "..");
    const ossl = (...args: string[]) => expect(spawnSync("openssl", args, { encoding: "utf8" }).status).toBe(0);
    ossl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(root, "root.key"),
      "-out",
      join(root, "root.crt"),
      "-subj",
      "/CN=External Root",
      "-days",
      "30",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    writeFileSync(
      join(root, "ext"),
      "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature,keyEncipherment\nsubjectKeyIdentifier=hash\n",
    );
    ossl(
      "x509",
      "-req",
      "-in",
      join(r.dir, "issuing-ca.csr"),
      "-CA",
      join(root, "root.crt"),
      "-CAkey",
      join(root, "root.key"),
      "-set_serial",
      "0x1234",
      "-days",
      "20",
      "-extfile",
      join(root, "ext"),
      "-out",
      join(root, "issuing.crt"),
    );

    const run = (...args: string[]) => {
      const x = spawnSync(process.execPath, ["--import", "tsx", "scripts/ca-bootstrap.ts", "--out", r.dir, ...args], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 60_000,
      });
      return { status: x.status, out: `${x.stdout}${x.stderr}` };
    };
    const wrong = run("--signed", join(root, "root.crt"));
    expect(wrong.status).toBe(1);
    expect(wrong.out).toMatch(/^ca-bootstrap: CA_KEY: /);
    const signed = run("--signed", join(root, "issuing.crt"), "--chain", join(root, "root.crt"), "--ra");
    expect(signed.status, signed.out).toBe(0);
    const m = loadCaMaterial({
      caCertPem: read(r.dir, "ca-chain.pem"),
      caKeyPem: read(r.dir, "issuing-ca.key"),
      raCertPem: read(r.dir, "ra.crt"),
      raKeyPem: read(r.dir, "ra.key"),
    });
    expect(m.chainDers).toHaveLength(1);
    expect(m.ra).toBeDefined();
    expect(signed.out).toContain("npm run setup -- --pki");
    expect(run("--signed", join(root, "issuing.crt")).status).toBe(1); // never overwrites
  }, 90_000);
});
