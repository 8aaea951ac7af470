import { exports, env } from "cloudflare:workers";
import { expect, it } from "vitest";
it("serves GetCACaps", async () => {
  const res = await exports.default.fetch("http://example.test/scep?operation=GetCACaps");
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("POSTPKIOperation");
  expect((env as unknown as Record<string, string>).SCEP_CHALLENGE).toBe("worker-test-challenge");
});
