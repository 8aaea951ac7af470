// Manual approval in the browser with a real client waiting: micromdm scepclient enrolls under
// APPROVAL_MODE=manual:static, gets PENDING and re-sends its request every 30 seconds (its own
// poll); an admin approves it on the console's approvals page, and scepclient's next re-send gets
// the certificate and exits 0. A second request, rejected on the same page, fails its poll.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumInstalled, launchChromium, signIn, type Browser } from "../../scripts/lib/browser";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";
import { AdminClient, newAdminToken } from "../interop/support/admin-client";
import { certInfo, newClientDir, SCEPCLIENT } from "../interop/support/clients";

const TOKEN = newAdminToken();
const CHALLENGE = `e2e-approval-${crypto.randomUUID()}`;
const skip = (!chromiumInstalled() || !existsSync("/usr/bin/scepclient")) && !process.env.CI;

let ca: TestCa;
let worker: RunningWorker;
let browser: Browser;
let admin: AdminClient;
let work: string;

/** scepclient in the background: it keeps polling while the request is pending. */
function startScepclient(dir: { keyPath: string; certPath: string }, cn: string) {
  const child = spawn(
    SCEPCLIENT,
    ["-server-url", worker.url, "-challenge", CHALLENGE, "-cn", cn, "-private-key", dir.keyPath, "-certificate", dir.certPath],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function pendingFor(cn: string): Promise<string | undefined> {
  const items = (await admin.ok<{ items: { transactionId: string; subject: string }[] }>("GET", "/admin/pending")).items;
  // scepclient adds C=US, O=scep-client, OU=MDM to the CN it is given.
  return items.find((p) => p.subject.split(",").includes(`CN=${cn}`))?.transactionId;
}

describe.skipIf(skip)("approvals on the console with scepclient polling", () => {
  beforeAll(async () => {
    ca = await createTestCa({ cn: "E2E Approval CA" });
    worker = await startWorker({
      bindings: {
        CA_CERT: ca.certPem,
        CA_KEY: ca.keyPem,
        SCEP_CHALLENGE: CHALLENGE,
        CHALLENGE_MODE: "static",
        APPROVAL_MODE: "manual:static",
        ALLOW_LEGACY_DES: "true", // scepclient 2.1.0 sends single DES only
        ADMIN_TOKEN: TOKEN,
      },
    });
    admin = new AdminClient(worker.origin, TOKEN);
    work = await mkdtemp(join(tmpdir(), "e2e-approval-"));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await ca?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  // Both clients poll at once, so one 30-second re-send of scepclient covers both decisions.
  test("two PENDING requests: one approved on the console (scepclient's next re-send gets the certificate), one rejected (its poll fails)", {
    timeout: 90_000,
  }, async () => {
    const waitDir = await newClientDir(work, "e2e-wait");
    const refusedDir = await newClientDir(work, "e2e-refused");
    const waiting = startScepclient(waitDir, "e2e-wait");
    const refused = startScepclient(refusedDir, "e2e-refused");
    try {
      await expect.poll(() => pendingFor("e2e-wait"), { timeout: 20_000, interval: 250 }).toBeDefined();
      await expect.poll(() => pendingFor("e2e-refused"), { timeout: 20_000, interval: 250 }).toBeDefined();
      expect(waiting.output()).toContain("PENDING");
      const page = await browser.context.newPage();
      await signIn(page, worker.origin, TOKEN);
      await page.goto(`${worker.origin}/admin/console/pending`);

      const approveRow = page.locator(`tr[data-transaction="${(await pendingFor("e2e-wait"))!}"]`);
      expect(await approveRow.textContent()).toContain("CN=e2e-wait");
      await Promise.all([page.waitForURL(/done=approved/), approveRow.locator("button", { hasText: "Approve" }).click()]);
      const serial = (await page.locator(".notice.ok a").textContent())!.trim();

      const rejectRow = page.locator(`tr[data-transaction="${(await pendingFor("e2e-refused"))!}"]`);
      await rejectRow.locator("input[name=reason]").fill("unknown device");
      await Promise.all([page.waitForURL(/done=rejected/), rejectRow.locator("button", { hasText: "Reject" }).click()]);
      expect(await pendingFor("e2e-refused")).toBeUndefined();

      // scepclient sleeps 30 s between re-sends.
      expect(await waiting.exited).toBe(0);
      const cert = await certInfo(await readFile(waitDir.certPath, "utf8"));
      expect(cert.cn).toBe("e2e-wait");
      expect(cert.serial.replace(/^0+/, "")).toBe(serial.replace(/^0+/, ""));
      expect(await refused.exited).not.toBe(0);
      expect(refused.output()).toMatch(/failInfo|FAILURE|failed/i);
      expect(existsSync(refusedDir.certPath)).toBe(false);
      await page.close();
    } finally {
      waiting.child.kill();
      refused.child.kill();
    }
  });
});
