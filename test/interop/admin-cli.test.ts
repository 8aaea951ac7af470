// scripts/admin.ts (the admin CLI) against a running Worker, through tsx as `npm run admin` runs it.
// The Worker waits for approval only for one-time challenges (APPROVAL_MODE=manual:one-time), so
// static enrollments issue at once and a CLI-minted challenge exercises pending/approve/reject.
import { readFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { nameDer } from "../../src/client/csr-builder";
import { summarizeCert } from "../../src/client/certificates";
import { ScepTestClient, keyPool, newAdminToken, normSerial, openssl, type ClientKey } from "./support/admin-client";
import { formatRun, runCommand, tsxScript, type CmdResult } from "./support/clients";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { REPO_ROOT, startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `cli-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();

let ca: TestCa;
let worker: RunningWorker;
let scep: ScepTestClient;
let keys: ClientKey[];
let work: string;
const serials: string[] = [];

/** npx tsx scripts/admin.ts --url ORIGIN [--token T] ...args */
function cli(args: string[], opts: { token?: string | null; env?: Record<string, string> } = {}): Promise<CmdResult> {
  const token = opts.token === undefined ? TOKEN : opts.token;
  const [cmd, full] = tsxScript("scripts/admin.ts", ["--url", worker.origin, ...(token ? ["--token", token] : []), ...args]);
  // SCEP_ADMIN_TOKEN is cleared unless a test sets it, so --token is what is under test.
  return runCommand(cmd, full, { cwd: REPO_ROOT, timeoutSec: 60, env: { SCEP_ADMIN_TOKEN: "", NO_COLOR: "1", ...(opts.env ?? {}) } });
}

describe("scripts/admin.ts", () => {
  beforeAll(async () => {
    ca = await createTestCa({ cn: "Admin CLI Test CA" });
    worker = await startWorker({
      bindings: {
        CA_CERT: ca.certPem,
        CA_KEY: ca.keyPem,
        SCEP_CHALLENGE: CHALLENGE,
        CHALLENGE_MODE: "static,one-time",
        APPROVAL_MODE: "manual:one-time",
        ADMIN_TOKEN: TOKEN,
      },
    });
    scep = await ScepTestClient.connect(worker.url);
    keys = keyPool(3);
    work = await mkdtemp(join(tmpdir(), "scep-admin-cli-"));
    for (const [i, cn] of ["cli-a", "cli-b"].entries()) {
      const r = await scep.send(scep.pkcsReq({ key: keys[i]!, cn, challenge: CHALLENGE }));
      expect(r.status).toBe(PkiStatus.SUCCESS);
      serials.push(summarizeCert(r.certificates[0]!).serialHex);
    }
  });

  afterAll(async () => {
    await worker?.stop();
    await ca?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("usage errors exit 2; a wrong token exits 1 with the HTTP status and the API's error", async () => {
    const none = await cli([]);
    expect(none.code, formatRun(none)).toBe(2);
    expect(none.stderr).toMatch(/^admin: a command is required: stats, list, .* \(see --help\)\n$/);
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("mint-challenge");
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code, formatRun(unknown)).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const noToken = await cli(["stats"], { token: null });
    expect(noToken.code, formatRun(noToken)).toBe(2);
    expect(noToken.stderr).toContain("SCEP_ADMIN_TOKEN");

    const wrong = await cli(["stats"], { token: "wrong-token-0123456789" });
    expect(wrong.code, formatRun(wrong)).toBe(1);
    expect(wrong.stderr).toContain("HTTP 401 unauthorized: a valid bearer token is required");
    expect(wrong.stdout).toBe("");
  }, 120_000);

  test("stats (table and --json, token from SCEP_ADMIN_TOKEN) and list (table, filters, --all over pages)", async () => {
    const stats = await cli(["stats"], { token: null, env: { SCEP_ADMIN_TOKEN: TOKEN } });
    expect(stats.code, formatRun(stats)).toBe(0);
    expect(stats.stdout).toMatch(/^certificates\s+2$/m);
    expect(stats.stdout).toMatch(/^pending\s+0$/m);
    const json = await cli(["stats", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ certificates: 2, valid: 2, revoked: 0 });

    const table = await cli(["list"]);
    expect(table.code, formatRun(table)).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^SERIAL\s+STATUS\s+ISSUED\s+NOT AFTER\s+SUBJECT\s+TRANSACTION$/);
    expect(lines).toHaveLength(3);
    for (const s of serials) expect(table.stdout).toContain(s);
    expect(table.stderr).toContain("2 certificate(s)");

    const all = await cli(["list", "--all", "--limit", "1", "--json"]);
    expect(all.code, formatRun(all)).toBe(0);
    const items = (JSON.parse(all.stdout) as { items: { serial: string }[] }).items;
    expect(items.map((i) => normSerial(i.serial)).sort()).toEqual(serials.map(normSerial).sort());

    const one = await cli(["list", "--limit", "1"]);
    expect(one.stdout.trimEnd().split("\n")).toHaveLength(2);
    const next = /more results: repeat with --cursor (\S+)/.exec(one.stderr)?.[1];
    expect(next, one.stderr).toBeDefined();
    const second = await cli(["list", "--limit", "1", "--cursor", next!]);
    expect(second.code, formatRun(second)).toBe(0);
    const shown = [one.stdout, second.stdout].map((o) => serials.find((s) => o.includes(s)));
    expect(new Set(shown).size).toBe(2);
    const progress = await cli(["list", "--all", "--limit", "1"]);
    expect(progress.stderr).toMatch(/^page 1: 1 certificate\(s\) so far/m);

    const filtered = await cli(["list", "--subject", "cli-b", "--json"]);
    expect((JSON.parse(filtered.stdout) as { items: { subject: string }[] }).items.map((i) => i.subject)).toEqual(["CN=cli-b"]);
    const badStatus = await cli(["list", "--status", "expired"]);
    expect(badStatus.code, formatRun(badStatus)).toBe(2);
  }, 120_000);

  test("show, revoke (keyCompromise, then again, then a bad reason and an unknown serial) and crl", async () => {
    const [a] = serials as [string];
    const pem = await cli(["show", a, "--pem"]);
    expect(pem.code, formatRun(pem)).toBe(0);
    expect(pem.stdout).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const shown = await cli(["show", a]);
    expect(shown.stdout).toMatch(/^status\s+valid$/m);

    const revoked = await cli(["revoke", a, "--reason", "keyCompromise"]);
    expect(revoked.code, formatRun(revoked)).toBe(0);
    expect(revoked.stdout.trim()).toBe(`revoked ${a} (keyCompromise)`);
    const again = await cli(["revoke", a, "--reason", "keyCompromise"]);
    expect(again.stdout.trim()).toBe(`${a} was already revoked`);
    const after = await cli(["show", a]);
    expect(after.stdout).toMatch(/^status\s+revoked$/m);
    expect(after.stdout).toMatch(/^reason\s+keyCompromise$/m);

    const badReason = await cli(["revoke", serials[1]!, "--reason", "sunspots"]);
    expect(badReason.code, formatRun(badReason)).toBe(1);
    expect(badReason.stderr).toMatch(/HTTP 400 bad_reason: reason must be one of/);
    const unknown = await cli(["show", "0123456789ABCDEF"]);
    expect(unknown.code, formatRun(unknown)).toBe(1);
    expect(unknown.stderr).toContain("HTTP 404 not_found: no certificate with serial 0123456789ABCDEF");
    const notHex = await cli(["revoke", "xyz"]);
    expect(notHex.code).toBe(2);

    const revokedList = await cli(["list", "--status", "revoked", "--json"]);
    expect((JSON.parse(revokedList.stdout) as { items: { serial: string }[] }).items.map((i) => i.serial)).toEqual([a]);

    const crlFile = join(work, "cli.crl");
    const crl = await cli(["crl", "--out", crlFile]);
    expect(crl.code, formatRun(crl)).toBe(0);
    expect(crl.stderr).toMatch(/\(DER\) to .*CRL number \d+/);
    const text = (await openssl(["crl", "-inform", "DER", "-in", crlFile, "-noout", "-text"])).stdout;
    expect(text).toContain(`Serial Number: ${a}`);
    const crlPem = await cli(["crl"], { token: null });
    expect(crlPem.code, formatRun(crlPem)).toBe(0);
    expect(crlPem.stdout).toMatch(/^-----BEGIN X509 CRL-----/);
    const der = await readFile(crlFile);
    expect(crlPem.stdout.replace(/-----[^-]+-----|\s+/g, "")).toBe(der.toString("base64"));
  }, 120_000);

  test("mint-challenge prints only the challenge; pending, approve and reject drive the manual queue", async () => {
    const minted = await cli(["mint-challenge", "--ttl", "300", "--subject", "CN=cli-otc"]);
    expect(minted.code, formatRun(minted)).toBe(0);
    expect(minted.stdout).toMatch(/^otc_[A-Za-z0-9.-]+\n$/);
    expect(minted.stderr).toMatch(/expires \d{4}-\d\d-\d\dT.*only for subject CN=cli-otc/);
    const challenge = minted.stdout.trim();
    // OpenSSL's order (C first, ", " between) is read as well; a subject that is no name says why, in one line.
    const opensslOrder = await cli(["mint-challenge", "--subject", "C=US, O=Acme, CN=cli-openssl"]);
    expect(opensslOrder.code, formatRun(opensslOrder)).toBe(0);
    expect(opensslOrder.stderr).toContain("only for subject CN=cli-openssl,O=Acme,C=US");
    const garbage = await cli(["mint-challenge", "--subject", "not a name"]);
    expect(garbage.code, formatRun(garbage)).toBe(1);
    expect(garbage.stdout).toBe("");
    expect(garbage.stderr).toMatch(/^error: POST \/admin\/challenges: HTTP 400 bad_subject: subject: .+\n$/);

    // One-time challenges wait for approval on this Worker.
    const req = scep.pkcsReq({ key: keys[2]!, cn: "cli-otc", challenge });
    expect((await scep.send(req)).status).toBe(PkiStatus.PENDING);
    const pending = await cli(["pending"]);
    expect(pending.code, formatRun(pending)).toBe(0);
    expect(pending.stdout).toMatch(/^TRANSACTION\s+REQUEST KEY\s+SUBJECT\s+CHALLENGE\s+SINCE$/m);
    expect(pending.stdout).toContain(req.transactionId);
    expect(pending.stdout).toContain("CN=cli-otc");

    const approved = await cli(["approve", req.transactionId]);
    expect(approved.code, formatRun(approved)).toBe(0);
    const serial = /issued serial ([0-9A-F]+)/.exec(approved.stdout)?.[1];
    expect(serial, approved.stdout).toBeDefined();
    const poll = await scep.send(
      scep.certPoll({ signer: req.signer, transactionId: req.transactionId, subjectDer: nameDer({ commonName: "cli-otc" }) }),
    );
    expect(poll.status).toBe(PkiStatus.SUCCESS);
    expect(normSerial(summarizeCert(poll.certificates[0]!).serialHex)).toBe(normSerial(serial!));
    const twice = await cli(["approve", req.transactionId]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("HTTP 409 not_pending");

    const second = (await cli(["mint-challenge"])).stdout.trim();
    const req2 = scep.pkcsReq({ key: keys[2]!, cn: "cli-otc-2", challenge: second });
    expect((await scep.send(req2)).status).toBe(PkiStatus.PENDING);
    const rejected = await cli(["reject", req2.transactionId, "--reason", "unknown device"]);
    expect(rejected.code, formatRun(rejected)).toBe(0);
    expect(rejected.stdout.trim()).toBe(`rejected ${req2.transactionId}`);
    const empty = await cli(["pending", "--json"]);
    expect((JSON.parse(empty.stdout) as { items: unknown[] }).items).toEqual([]);
  }, 120_000);
});
