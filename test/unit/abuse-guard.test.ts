// src/http/abuse-guard.ts with a counting stand-in for the Rate Limiting binding: which key a
// client is counted under, that only the limiter's "no" boxes a client (for one period, in this
// isolate), and that the Intune bounds ask the client's limiter before the shared one.
import { describe, expect, it } from "vitest";
import { boxedFor, clientKey, countFailure, intuneAllowance, type RateLimitBinding } from "../../src/http/abuse-guard";

/** A limiter allowing `limit` calls per key, recording every call. */
function limiter(limit: number): RateLimitBinding & { calls: string[] } {
  const counts = new Map<string, number>();
  const calls: string[] = [];
  return {
    calls,
    async limit({ key }) {
      calls.push(key);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { success: n <= limit };
    },
  };
}

const request = (ip?: string) => new Request("https://scep.test/scep", ip ? { headers: { "cf-connecting-ip": ip } } : {});
const noLog = () => {};

describe("clientKey", () => {
  it.each([
    ["198.51.100.7", "198.51.100.7"],
    [" 198.51.100.7 ", "198.51.100.7"],
    ["::ffff:198.51.100.7", "198.51.100.7"],
    ["2001:db8:0:7:1:2:3:4", "2001:db8:0:7::/64"],
    ["2001:0db8:0000:0007::1", "2001:db8:0:7::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
  ])("%s is counted as %s", (ip, key) => {
    expect(clientKey(request(ip))).toBe(key);
  });

  it("no CF-Connecting-IP: not a client of Cloudflare's edge, not counted", () => {
    expect(clientKey(request())).toBeUndefined();
  });
});

describe("countFailure and the penalty box", () => {
  it("boxes a client at the limiter's first no, for one period, and only that client", async () => {
    const failures = limiter(3);
    let now = 1_000_000;
    const logs: unknown[] = [];
    for (let i = 0; i < 3; i++) await countFailure({ failures }, "192.0.2.10", () => now, noLog);
    expect(boxedFor("192.0.2.10", now)).toBeUndefined();
    await countFailure(
      { failures },
      "192.0.2.10",
      () => now,
      (e, f) => logs.push({ e, f }),
    );
    expect(boxedFor("192.0.2.10", now)).toBe(60);
    expect(boxedFor("192.0.2.11", now)).toBeUndefined();
    expect(logs).toEqual([{ e: "client-blocked", f: { client: "192.0.2.10", seconds: 60 } }]);
    now += 59_500;
    expect(boxedFor("192.0.2.10", now)).toBe(1);
    now += 500;
    expect(boxedFor("192.0.2.10", now)).toBeUndefined();
  });

  it("calls nothing without a client key or without the binding", async () => {
    const failures = limiter(0);
    await countFailure({ failures }, undefined, () => 0, noLog);
    await countFailure({}, "192.0.2.20", () => 0, noLog);
    expect(failures.calls).toEqual([]);
    expect(boxedFor("192.0.2.20", 0)).toBeUndefined();
  });

  it("a limiter that throws limits nothing and says so once in the log", async () => {
    const logs: string[] = [];
    const broken: RateLimitBinding = { limit: async () => Promise.reject(new Error("down")) };
    await countFailure(
      { failures: broken },
      "192.0.2.30",
      () => 0,
      (e) => logs.push(e),
    );
    expect(boxedFor("192.0.2.30", 0)).toBeUndefined();
    expect(logs).toEqual(["rate-limit-unavailable"]);
  });
});

describe("intuneAllowance", () => {
  it("asks the client's limiter first: a client past its own bound never uses up the shared one", async () => {
    const intuneClient = limiter(2);
    const intuneAll = limiter(3);
    const b = { intuneClient, intuneAll };
    const a = await Promise.all([1, 2, 3, 4].map(() => intuneAllowance(b, "192.0.2.40", noLog)));
    expect(a).toEqual([undefined, undefined, "client", "client"]);
    expect(intuneAll.calls).toHaveLength(2);
    expect(await intuneAllowance(b, "192.0.2.41", noLog)).toBeUndefined();
    expect(await intuneAllowance(b, "192.0.2.42", noLog)).toBe("all");
  });

  it("a request without a client key is bounded by the shared limiter alone", async () => {
    const intuneAll = limiter(1);
    expect(await intuneAllowance({ intuneAll, intuneClient: limiter(0) }, undefined, noLog)).toBeUndefined();
    expect(await intuneAllowance({ intuneAll }, undefined, noLog)).toBe("all");
  });
});
