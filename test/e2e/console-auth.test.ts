// The console's sign-in, session and form checks over plain HTTP against the built Worker (no
// browser needed): what a wrong token is told, the cookie's attributes on loopback http, CSRF and
// cross-site refusals, a forged or ended session, and that the session cookie opens only the
// console, never the bearer-token JSON API.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";
import { newAdminToken } from "../interop/support/admin-client";

const TOKEN = newAdminToken();
let ca: TestCa;
let worker: RunningWorker;

function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(worker.origin + path, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: worker.origin, ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const res = await post("/admin/console/login", { token: TOKEN });
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const page = await (await fetch(`${worker.origin}/admin/console/challenges`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

describe("console sign-in and sessions", () => {
  beforeAll(async () => {
    ca = await createTestCa({ cn: "E2E Auth CA" });
    worker = await startWorker({
      bindings: {
        CA_CERT: ca.certPem,
        CA_KEY: ca.keyPem,
        SCEP_CHALLENGE: "auth-test-challenge",
        CHALLENGE_MODE: "static,one-time",
        ADMIN_TOKEN: TOKEN,
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await ca?.cleanup();
  });

  test("a wrong and a missing token get the same answer, which names no check and echoes nothing", async () => {
    const wrong = await post("/admin/console/login", { token: `${TOKEN}x` });
    const missing = await post("/admin/console/login", {});
    expect(wrong.status).toBe(401);
    expect(missing.status).toBe(401);
    const [a, b] = [await wrong.text(), await missing.text()];
    expect(a).toBe(b);
    expect(a).toContain("a valid admin token is required");
    expect(a).not.toContain(TOKEN);
    expect(wrong.headers.get("set-cookie")).toBeNull();
  });

  test("the session cookie on loopback http: HttpOnly, SameSite=Strict, 30 minutes, not Secure (a deliberate loopback exception)", async () => {
    const res = await post("/admin/console/login", { token: TOKEN });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^edge-scep-console=[A-Za-z0-9_-]{22}\.\d+\.[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Max-Age=1800");
    expect(cookie).not.toContain("Secure");
    expect(cookie).not.toContain(TOKEN);
  });

  test("pages carry a strict CSP and no inline script or style", async () => {
    const { cookie } = await signIn();
    const res = await fetch(`${worker.origin}/admin/`, { headers: { cookie } });
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const page = await res.text();
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/\sstyle="/);
    expect(page).not.toContain(TOKEN);
  });

  test("a POST without the session's CSRF token, or from another origin, changes nothing", async () => {
    const { cookie, csrf } = await signIn();
    const noToken = await post("/admin/console/challenges", { ttl: "3600" }, { cookie });
    expect(noToken.status).toBe(403);
    const otherSite = await post("/admin/console/challenges", { ttl: "3600", csrf }, { cookie, origin: "https://evil.example" });
    expect(otherSite.status).toBe(403);
    const stats = await (await fetch(`${worker.origin}/admin/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect((stats as { challengesOutstanding: number }).challengesOutstanding).toBe(0);
    const ok = await post("/admin/console/challenges", { ttl: "3600", csrf }, { cookie });
    expect(ok.status).toBe(201);
  });

  test("a forged cookie and an ended session are sent to sign in; the cookie never opens the JSON API", async () => {
    const { cookie, csrf } = await signIn();
    const forged = cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect((await fetch(`${worker.origin}/admin/`, { headers: { cookie: forged }, redirect: "manual" })).status).toBe(303);
    expect((await fetch(`${worker.origin}/admin/stats`, { headers: { cookie } })).status).toBe(401);
    const out = await post("/admin/console/logout", { csrf }, { cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    const after = await fetch(`${worker.origin}/admin/`, { headers: { cookie }, redirect: "manual" });
    expect(after.headers.get("location")).toBe("/admin/console/login");
  });
});
