// `npm run screenshots`: the admin console's pages as PNG files for docs/console.md, made the way
// an admin sees them: the built Worker on loopback with a demo CA (and RA), a ledger with weeks of
// history (scripts/lib/demo-ledger.ts), a few devices enrolled over SCEP today, one waiting for
// approval, then Debian's Chromium signs in and photographs each page (desktop and phone width).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { chromiumInstalled, launchChromium, signIn } from "./lib/browser";
import { parseCommandLine, runMain, UsageError } from "./lib/cli";
import { enrollNow, seedHistory } from "./lib/demo-ledger";
import { createTestCa } from "./lib/test-ca";
import { REPO_ROOT, startWorker } from "./lib/worker-server";

const HELP = `Usage: npm run screenshots -- [--out DIR]

Makes the screenshots of docs/console.md with Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_BIN)
against the built Worker on 127.0.0.1 with demo data.
  --out DIR     where the PNG files go (default docs/console)
  -h, --help    this text`;

const CHALLENGE = "demo-static-challenge";
const TOKEN = `demo-admin-${crypto.randomUUID()}`;

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine("screenshots", HELP, { out: { type: "string" } });
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (!chromiumInstalled()) throw new Error("no Chromium at /usr/bin/chromium (apt-get install chromium) or $CHROMIUM_BIN");
  const out = values.out ?? join(REPO_ROOT, "docs/console");
  mkdirSync(out, { recursive: true });

  const ca = await createTestCa({ cn: "Example Corp Issuing CA", days: 1825, ra: true });
  const worker = await startWorker({
    bindings: {
      CA_CERT: ca.certPem,
      CA_KEY: ca.keyPem,
      RA_CERT: ca.ra!.certPem,
      RA_KEY: ca.ra!.keyPem,
      SCEP_CHALLENGE: CHALLENGE,
      CHALLENGE_MODE: "static,one-time",
      APPROVAL_MODE: "manual:one-time",
      ADMIN_TOKEN: TOKEN,
    },
  });
  const browser = await launchChromium({ width: 1280, height: 900 });
  try {
    const history = await seedHistory(worker.mf, ca.certPem, ca.keyPem, 90);
    for (const [cn, dns] of [
      ["laptop-2001", ["laptop-2001.corp.example"]],
      ["laptop-2002", ["laptop-2002.corp.example"]],
      ["wifi-ap-7", ["wifi-ap-7.corp.example"]],
    ] as const)
      await enrollNow(worker.url, cn, CHALLENGE, [...dns]);
    const minted = (await (await api(worker.origin, "POST", "/admin/challenges", { subject: "CN=kiosk-lobby,O=Example Corp" })).json()) as {
      challenge: string;
    };
    if ((await enrollNow(worker.url, "kiosk-lobby", minted.challenge)) !== "pending") throw new Error("expected the kiosk to wait for approval");
    await fetch(`${worker.origin}/crl`); // signs the first CRL, so the overview shows one
    console.log(`demo ledger: ${history} certificates over 90 days, 3 today, 1 pending`);

    const page = await browser.context.newPage();
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${worker.origin}/admin/`);
    await shot(page, out, "login");
    await signIn(page, worker.origin, TOKEN);
    await shot(page, out, "overview");
    await page.goto(`${worker.origin}/admin/console/certificates?text=laptop&field=q`);
    await shot(page, out, "certificates");
    await page.locator("#certificates tbody tr a").first().click();
    await page.waitForSelector("#decoded");
    await shot(page, out, "certificate");
    await page.goto(`${worker.origin}/admin/console/pending`);
    await shot(page, out, "approvals");
    await page.goto(`${worker.origin}/admin/console/challenges`);
    await page.fill("input[name=subject]", "CN=printer-3,O=Example Corp");
    await page.fill("textarea[name=sans]", "dns:printer-3.corp.example");
    await page.click("form.stack button");
    await page.waitForSelector("#challenge");
    await shot(page, out, "challenge");

    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${worker.origin}/admin/`);
    await shot(phone, out, "overview-phone");
    return 0;
  } finally {
    await browser.close();
    await worker.stop();
    await ca.cleanup();
  }
}

async function shot(page: Page, dir: string, name: string): Promise<void> {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`wrote ${path}`);
}

function api(origin: string, method: string, path: string, body: unknown): Promise<Response> {
  return fetch(origin + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

runMain("screenshots", main);
