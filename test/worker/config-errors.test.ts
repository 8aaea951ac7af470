// The Worker's answers to a broken configuration, inside workerd: 503 naming every broken setting
// and never a value; an admin-only problem answers 503 on /admin/ only. The bindings of this project
// cannot change per test, so the handler is called with a fake env. The parsing itself is tested in
// Node (test/unit/config.test.ts).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { newKey, WORKER_TEST_CHALLENGE } from "./support/scep-harness";

const real = env as unknown as Record<string, string>;

function fakeEnv(overrides: Record<string, string | undefined> = {}): Env {
  const base: Record<string, string | undefined> = {
    CA_CERT: real.CA_CERT,
    CA_KEY: real.CA_KEY,
    SCEP_CHALLENGE: WORKER_TEST_CHALLENGE,
    CHALLENGE_MODE: "static",
    ALLOW_LEGACY_DES: "false",
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  // The real bindings: a deployed Worker always has them, whatever its settings.
  return { ...base, LEDGER: (env as unknown as Env).LEDGER, CACHE: (env as unknown as Env).CACHE } as unknown as Env;
}

const otherKeyPem = newKey({ algorithm: "rsa", bits: 2048 }).key.export({ type: "pkcs8", format: "pem" }).toString();

/** Base64 lines of every PEM key involved: none may appear in any error text. */
function keyFragments(): string[] {
  const bodies = [real.CA_KEY!, otherKeyPem].map((pem) => pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
  const fragments: string[] = [];
  for (const body of bodies) for (let i = 0; i + 24 <= body.length; i += 24) fragments.push(body.slice(i, i + 24));
  return fragments;
}

describe("the Worker with a broken configuration", () => {
  it("answers 503 text naming the setting, for every operation, without key material", async () => {
    const broken = fakeEnv({ CA_KEY: otherKeyPem });
    for (const op of ["GetCACaps", "GetCACert", "PKIOperation"]) {
      const res = await worker.fetch(new Request(`http://scep.test/scep?operation=${op}`), broken);
      const body = await res.text();
      expect(res.status, op).toBe(503);
      expect(res.headers.get("content-type")).toBe("text/plain");
      expect(body).toContain("CA_KEY");
      expect(body).not.toContain("PRIVATE KEY");
      for (const fragment of keyFragments()) expect(body.includes(fragment)).toBe(false);
    }
  });

  it("ACCESS_AUD alone: the admin API answers 503 naming ACCESS_TEAM_DOMAIN; SCEP keeps answering", async () => {
    const broken = fakeEnv({ ACCESS_AUD: "0123abcd", ADMIN_TOKEN: "x".repeat(32) });
    const res = await worker.fetch(new Request("http://scep.test/admin/stats"), broken);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("ACCESS_TEAM_DOMAIN");
    const caps = await worker.fetch(new Request("http://scep.test/scep?operation=GetCACaps"), broken);
    expect(caps.status).toBe(200);
  });

  it("a too-short ADMIN_TOKEN: /admin/ answers 503 naming it (never the token); enrollment still works", async () => {
    const broken = fakeEnv({ ADMIN_TOKEN: "tiny-token" });
    const res = await worker.fetch(new Request("http://scep.test/admin/stats", { headers: { authorization: "Bearer tiny-token" } }), broken);
    const body = await res.text();
    expect(res.status).toBe(503);
    expect(body).toContain("ADMIN_TOKEN");
    expect(body).not.toContain("tiny-token");
    expect((await worker.fetch(new Request("http://scep.test/scep?operation=GetCACert"), broken)).status).toBe(200);
  });

  it("several broken settings: one 503 names each of them", async () => {
    const res = await worker.fetch(
      new Request("http://scep.test/scep?operation=GetCACaps"),
      fakeEnv({ CHALLENGE_MODE: "bogus", CERT_VALIDITY_DAYS: "0" }),
    );
    const body = await res.text();
    expect(res.status).toBe(503);
    expect(body).toMatch(/^SCEP endpoint not configured: CHALLENGE_MODE: .*; CERT_VALIDITY_DAYS: /);
  });

  it("never echoes SCEP_CHALLENGE in the 503 text", async () => {
    const res = await worker.fetch(new Request("http://scep.test/scep?operation=GetCACaps"), fakeEnv({ CHALLENGE_MODE: "bogus" }));
    const body = await res.text();
    expect(res.status).toBe(503);
    expect(body).toContain("CHALLENGE_MODE");
    expect(body).not.toContain(WORKER_TEST_CHALLENGE);
  });
});
