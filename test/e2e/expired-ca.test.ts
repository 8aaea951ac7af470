// An expired issuing CA, served anyway: GetCACert still answers with it (an operator sees what
// devices see), while the admin stats and the console's overview say so loudly, and the log line
// of the isolate's first request names it.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { generateCa } from "../../src/ca/ca-generate";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";
import { newAdminToken } from "../interop/support/admin-client";

const TOKEN = newAdminToken();
let worker: RunningWorker;
const DAY = 86_400_000;

beforeAll(async () => {
  const ca = generateCa({
    subject: { commonName: "Expired Test CA" },
    key: { algorithm: "rsa", bits: 2048 },
    validityDays: 2,
    now: new Date(Date.now() - 5 * DAY),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
  });
  worker = await startWorker({ bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: "expired-ca-test", ADMIN_TOKEN: TOKEN } });
});
afterAll(async () => {
  await worker?.stop();
});

test("GetCACert still serves the expired CA; stats and the console's overview say it has expired", async () => {
  const caCert = await fetch(`${worker.url}?operation=GetCACert`);
  expect(caCert.status).toBe(200);
  expect(new Uint8Array(await caCert.arrayBuffer()).length).toBeGreaterThan(500);

  const stats = (await (await fetch(`${worker.origin}/admin/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
    caExpired: boolean;
    warnings: string[];
    expiry: { role: string; state: string; daysLeft: number }[];
  };
  expect(stats.caExpired).toBe(true);
  expect(stats.expiry[0]).toMatchObject({ role: "ca", state: "expired" });
  expect(stats.expiry[0]!.daysLeft).toBeLessThan(0);
  expect(stats.warnings[0]).toMatch(/EXPIRED on .*GetCACert still serves it/);

  const login = await fetch(`${worker.origin}/admin/console/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: worker.origin },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const page = await (await fetch(`${worker.origin}/admin/`, { headers: { cookie } })).text();
  expect(page).toContain("The issuing CA certificate has EXPIRED.");
  expect(page).toMatch(/class="notice error" role="alert">the issuing CA certificate \(CA_CERT\) CN=Expired Test CA EXPIRED on/);
  expect(page).toContain('<span class="badge bad">EXPIRED</span>');
});
