// Debian's Chromium, headless, driven by playwright-core (which never downloads a browser of its
// own): the e2e tests and `npm run screenshots` share it. A fresh profile per launch, and the flags
// that keep Chromium from calling home (no network here but loopback).
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
export const chromiumInstalled = (): boolean => existsSync(CHROMIUM);

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "edge-scep-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the form, as an admin would, and waits for the overview. */
export async function signIn(page: Page, origin: string, token: string): Promise<void> {
  await page.goto(`${origin}/admin/`);
  await page.fill("input[name=token]", token);
  await Promise.all([page.waitForURL(`${origin}/admin/`), page.click("button[type=submit]")]);
}
