// The admin console in Debian's Chromium (headless, playwright-core) against the built Worker on
// loopback: sign in with the admin token, the overview's numbers equal GET /admin/stats, the chart
// is drawn, a certificate is found by SAN and revoked and then listed on /crl, a one-time challenge
// is minted and enrolls, sign-out ends the session for a copied cookie too, and a phone-sized
// screen needs no sideways scrolling.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildCsr } from "../../src/client/csr-builder";
import { PkiStatus } from "../../src/scep/oids";
import { chromiumInstalled, launchChromium, signIn, type Browser } from "../../scripts/lib/browser";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";
import { AdminClient, keyPool, newAdminToken, normSerial, openssl, ScepTestClient, type ClientKey } from "../interop/support/admin-client";
import { countColour, decodePng } from "./support/png";

const TOKEN = newAdminToken();
const CHALLENGE = `e2e-${crypto.randomUUID()}`;
const skip = !chromiumInstalled() && !process.env.CI;

let ca: TestCa;
let worker: RunningWorker;
let browser: Browser;
let admin: AdminClient;
let scep: ScepTestClient;
let keys: ClientKey[];
let work: string;

async function enroll(cn: string, key: ClientKey, dns: string[] = [], challenge = CHALLENGE): Promise<string> {
  const csrDer = buildCsr({ key: key.handle, subject: { commonName: cn }, challenge, dnsNames: dns });
  const rep = await scep.send(scep.pkcsReq({ key, cn, csrDer }));
  expect(rep.status).toBe(PkiStatus.SUCCESS);
  return normSerial(
    (await admin.ok<{ items: { serial: string }[] }>("GET", `/admin/certificates?subject=${encodeURIComponent(`CN=${cn}`)}`)).items[0]!.serial,
  );
}

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  // The revoke form asks before it submits (console.js); an admin says yes.
  page.on("dialog", (d) => void d.accept());
  return page;
}

describe.skipIf(skip)("admin console in Chromium", () => {
  beforeAll(async () => {
    ca = await createTestCa({ cn: "E2E Console CA" });
    worker = await startWorker({
      bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static,one-time", ADMIN_TOKEN: TOKEN },
    });
    admin = new AdminClient(worker.origin, TOKEN);
    scep = await ScepTestClient.connect(worker.url);
    keys = keyPool(3);
    work = await mkdtemp(join(tmpdir(), "e2e-console-"));
    await enroll("e2e-alpha", keys[0]!, ["alpha.corp.example"]);
    await enroll("e2e-beta", keys[1]!, ["beta.corp.example"]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await ca?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("sign in, and every number on the overview is the one GET /admin/stats answers", async () => {
    const page = await newPage();
    await signIn(page, worker.origin, TOKEN);
    const stats = await admin.ok<Record<string, unknown>>("GET", "/admin/stats");
    const shown = await page.$$eval("[data-stat]", (els) => els.map((e) => [e.getAttribute("data-stat")!, e.textContent!.trim()]));
    expect(shown.length).toBeGreaterThan(10);
    for (const [path, text] of shown) {
      const value = path!.split(".").reduce((o: unknown, k: string) => (o as Record<string, unknown>)[k], stats as unknown);
      expect(text, path).toBe(String(value));
    }
    expect(shown).toContainEqual(["certificates", "2"]);
    expect(shown).toContainEqual(["activity.byChallengeKind.static.valid", "2"]);
    await page.close();
  });

  test("edge traffic: the OCSP and rate-limit counters on the overview are the ones GET /admin/stats answers", async () => {
    // One malformed OCSP request and one good GET: counted in the isolate, flushed by the stats call.
    expect(
      (
        await fetch(`${worker.origin}/ocsp`, {
          method: "POST",
          headers: { "content-type": "application/ocsp-request" },
          body: new Uint8Array([1, 2, 3]),
        })
      ).status,
    ).toBe(200);
    const page = await newPage();
    await page.goto(`${worker.origin}/admin/`);
    const stats = await admin.ok<Record<string, Record<string, number>>>("GET", "/admin/stats");
    const shown = await page.$$eval("[data-counter]", (els) => els.map((e) => [e.getAttribute("data-counter")!, e.textContent!.trim()]));
    expect(shown.map(([key]) => key)).toContain("ocsp|requests.post");
    for (const [key, text] of shown) {
      const [group, name] = key!.split("|") as [string, string];
      expect(text, key).toBe(String(stats[group]?.[name]));
    }
    await page.close();
  });

  test("the chart is drawn: a screenshot of it holds the bar colour, and its label counts today's certificates", async () => {
    const page = await newPage();
    await page.goto(`${worker.origin}/admin/`);
    const chart = page.locator("#issued-chart");
    expect(await chart.getAttribute("data-total")).toBe("2");
    const png = decodePng(await chart.screenshot());
    expect(png.width).toBeGreaterThan(300);
    // #1f5fbf is the bar colour (console.css); a blank or unstyled chart has none of it.
    expect(countColour(png, [0x1f, 0x5f, 0xbf])).toBeGreaterThan(20);
    await page.close();
  });

  test("find a certificate by SAN, open it decoded, revoke it with a reason; /crl then lists it (openssl)", async () => {
    const page = await newPage();
    await page.goto(`${worker.origin}/admin/console/certificates`);
    await page.fill("input[name=text]", "beta.corp");
    await page.selectOption("select[name=field]", "san");
    await page.click("form.search button");
    const rows = page.locator("#certificates tbody tr");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("e2e-beta");
    await rows.first().locator("a").click();
    await expect.poll(() => page.locator("#decoded").textContent()).toContain("dns:beta.corp.example");
    const serial = (await page.locator("#serial").textContent())!.trim();
    await page.selectOption("select[name=reason]", "keyCompromise");
    await Promise.all([page.waitForURL(/done=revoked/), page.click("button.danger")]);
    expect(await page.locator(".badge.bad").first().textContent()).toBe("revoked");

    const crl = await fetch(`${worker.origin}/crl`);
    const crlPath = join(work, "crl.der");
    await writeFile(crlPath, new Uint8Array(await crl.arrayBuffer()));
    const text = (await openssl(["crl", "-inform", "DER", "-in", crlPath, "-noout", "-text"])).stdout;
    expect(text.replace(/:/g, "").toUpperCase()).toContain(serial.replace(/^0+/, ""));
    expect(text).toContain("Key Compromise");
    await page.close();
  });

  test("a one-time challenge is shown once with its binding, and it enrolls exactly that subject", async () => {
    const page = await newPage();
    await page.goto(`${worker.origin}/admin/console/challenges`);
    await page.fill("input[name=subject]", "CN=e2e-gamma");
    await page.fill("textarea[name=sans]", "dns:gamma.corp.example");
    await page.click("form.stack button");
    const challenge = (await page.locator("#challenge").textContent())!.trim();
    expect(challenge).toMatch(/^otc_/);
    expect(await page.locator("#binding").textContent()).toContain("dns:gamma.corp.example");
    await enroll("e2e-gamma", keys[2]!, ["gamma.corp.example"], challenge);
    await page.reload(); // a reload re-asks for a new page: the form again, never the old challenge
    expect(await page.content()).not.toContain(challenge);
    await page.close();
  });

  test("sign out ends the session: the page asks to sign in, and the old cookie no longer opens the API's pages", async () => {
    const page = await newPage();
    await page.goto(`${worker.origin}/admin/`);
    const cookie = (await browser.context.cookies(worker.origin)).find((c) => c.name === "edge-scep-console")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Strict");
    await Promise.all([page.waitForURL(/login/), page.click("form.logout button")]);
    expect(await page.locator("input[name=token]").count()).toBe(1);
    const replay = await fetch(`${worker.origin}/admin/`, { headers: { cookie: `${cookie.name}=${cookie.value}` }, redirect: "manual" });
    expect(replay.status).toBe(303);
    expect(replay.headers.get("location")).toBe("/admin/console/login");
    await page.close();
  });

  test("on a phone-sized screen every page fits the width", async () => {
    const phone = await launchChromium({ width: 390, height: 844 });
    try {
      const page = await phone.context.newPage();
      await signIn(page, worker.origin, TOKEN);
      for (const path of ["/admin/", "/admin/console/certificates", "/admin/console/pending", "/admin/console/challenges"]) {
        await page.goto(worker.origin + path);
        // Runs in the page (DOM types are not in this Node project's lib).
        const [scroll, inner] = (await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")) as [number, number];
        expect(scroll, path).toBeLessThanOrEqual(inner);
      }
    } finally {
      await phone.close();
    }
  });
});
