// scripts/scep-client.ts (the admin smoke-test tool) against the built Worker: it is spawned the
// way an admin runs it (`npx tsx scripts/scep-client.ts ...`), and its exit codes and files checked.
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatRun, opensslVerify, publicKeyFingerprint, runCommand, tsxScript, type CmdResult } from "./support/clients";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { REPO_ROOT, startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `interop-script-${crypto.randomUUID()}`;

let work: string;
let ca: TestCa;
let worker: RunningWorker;

function scepClient(args: string[]): Promise<CmdResult> {
  return runCommand(...tsxScript("scripts/scep-client.ts", args), { cwd: REPO_ROOT, timeoutSec: 60 });
}

describe("scripts/scep-client.ts against the Worker", () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "scep-interop-script-"));
    ca = await createTestCa({ cn: "Interop Script Test CA" });
    worker = await startWorker({
      bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static", CERT_VALIDITY_DAYS: "30" },
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await ca?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("enrolls over POST (exit 0), writes a 0600 key and a certificate openssl verifies; --renew over GET renews it", async () => {
    const key = join(work, "s1.key");
    const out = join(work, "s1.pem");
    const caFp = (await runCommand("sh", ["-c", `openssl x509 -in ${ca.certPath} -outform DER | sha256sum`])).stdout.slice(0, 64);
    const r = await scepClient([
      "--url",
      worker.url,
      "--challenge",
      CHALLENGE,
      "--cn",
      "script-1",
      "--dns",
      "s1.example,s1b.example",
      "--key",
      key,
      "--out",
      out,
      "--ca-fingerprint",
      caFp,
    ]);
    expect(r.code, formatRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^SUCCESS\s+serial [0-9A-F]+$/m);
    expect(r.stdout).toMatch(/fingerprint\s+verified/);
    expect(r.stdout).toContain("POST");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const v = await opensslVerify(ca.certPath, out);
    expect(v.ok, formatRun(v)).toBe(true);
    const first = await readFile(out, "utf8");

    // Renewal: RenewalReq (17) signed by the certificate just issued, same key, over GET.
    const rn = await scepClient(["--url", worker.url, "--key", key, "--out", out, "--renew", "--transport", "get", "--verbose"]);
    expect(rn.code, formatRun(rn)).toBe(0);
    expect(rn.stdout).toMatch(/RenewalReq \(17\).*GET/);
    const second = await readFile(out, "utf8");
    expect(second).not.toBe(first);
    expect(await publicKeyFingerprint(second)).toBe(await publicKeyFingerprint(first));
    const v2 = await opensslVerify(ca.certPath, out);
    expect(v2.ok, formatRun(v2)).toBe(true);
  });

  test("enrolls over GET with 3DES + SHA-1 (exit 0) and the certificate verifies", async () => {
    const out = join(work, "s2.pem");
    const r = await scepClient([
      "--url",
      worker.url,
      "--challenge",
      CHALLENGE,
      "--cn",
      "script-get",
      "--key",
      join(work, "s2.key"),
      "--out",
      out,
      "--transport",
      "get",
      "--cipher",
      "des-ede3-cbc",
      "--digest",
      "sha1",
    ]);
    expect(r.code, formatRun(r)).toBe(0);
    expect(r.stdout).toMatch(/PKCSReq \(19\), des-ede3-cbc, sha1, GET/);
    const v = await opensslVerify(ca.certPath, out);
    expect(v.ok, formatRun(v)).toBe(true);
  });

  test("wrong challenge: FAILURE with failInfo printed, exit 4, no certificate written", async () => {
    const out = join(work, "s3.pem");
    const r = await scepClient(["--url", worker.url, "--challenge", "wrong", "--cn", "script-bad", "--key", join(work, "s3.key"), "--out", out]);
    expect(r.code, formatRun(r)).toBe(4);
    expect(r.stdout).toMatch(/^FAILURE\s+failInfo badRequest \(2\)/m);
    expect(existsSync(out)).toBe(false);
  });

  test("caps and cacert subcommands; a wrong --ca-fingerprint is an error (exit 1)", async () => {
    const caps = await scepClient(["caps", "--url", worker.url]);
    expect(caps.code, formatRun(caps)).toBe(0);
    expect(caps.stdout).toMatch(/^caps\s+.*POSTPKIOperation/m);
    const caOut = join(work, "ca.pem");
    const cacert = await scepClient(["cacert", "--url", worker.url, "--out", caOut]);
    expect(cacert.code, formatRun(cacert)).toBe(0);
    expect((await readFile(caOut, "utf8")).replace(/\s+/g, "")).toBe(ca.certPem.replace(/\s+/g, ""));
    const bad = await scepClient(["cacert", "--url", worker.url, "--ca-fingerprint", "00".repeat(32)]);
    expect(bad.code, formatRun(bad)).toBe(1);
  });

  describe("under manual approval", () => {
    let manual: RunningWorker;
    const token = `adm-${crypto.randomUUID()}`;
    beforeAll(async () => {
      manual = await startWorker({
        bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, APPROVAL_MODE: "manual", ADMIN_TOKEN: token },
      });
    });
    afterAll(async () => {
      await manual?.stop();
    });

    test("PENDING exits 3 and says to run the same command again; after an approval that command gets the certificate", async () => {
      const args = [
        "--url",
        manual.url,
        "--challenge",
        CHALLENGE,
        "--cn",
        "script-pending",
        "--key",
        join(work, "p.key"),
        "--out",
        join(work, "p.pem"),
      ];
      const first = await scepClient(args);
      expect(first.code, formatRun(first)).toBe(3);
      expect(first.stdout).toContain("run this same command again");
      const pending = (await (await fetch(`${manual.origin}/admin/pending`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        items: { transactionId: string }[];
      };
      const approve = await fetch(`${manual.origin}/admin/pending/approve`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ transactionId: pending.items[0]!.transactionId }),
      });
      expect(approve.status).toBe(200);
      const again = await scepClient(args);
      expect(again.code, formatRun(again)).toBe(0);
      expect(again.stdout).toMatch(/^SUCCESS/m);
      const v = await opensslVerify(ca.certPath, join(work, "p.pem"));
      expect(v.ok, formatRun(v)).toBe(true);
    });
  });
});
