// The static challenge (CHALLENGE_MODE=static, SCEP_CHALLENGE): RFC 8894 §2.3 / PKCS#9 challengePassword.
// Refusals after decryption are signed CertRep FAILUREs (design rule 2), and never reveal the secret.
import { describe, expect, it } from "vitest";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import { enrollOk, scep, text, WORKER_TEST_CHALLENGE } from "./support/scep-harness";
import { env } from "cloudflare:workers";

describe("static challenge", () => {
  it("binding is the one the harness expects", () => {
    expect((env as unknown as Record<string, string>).SCEP_CHALLENGE).toBe(WORKER_TEST_CHALLENGE);
  });

  it("correct challenge as PrintableString (scepclient, certmonger)", async () => {
    const ex = await enrollOk({ csr: { challenge: WORKER_TEST_CHALLENGE, challengeEncoding: "printable" } });
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });

  it("correct challenge as UTF8String (Windows, some Android builds)", async () => {
    const ex = await enrollOk({ csr: { challenge: WORKER_TEST_CHALLENGE, challengeEncoding: "utf8" } });
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });

  const refusals: Array<[string, string | null]> = [
    ["wrong challenge", "not-the-challenge"],
    ["challenge with a different case", WORKER_TEST_CHALLENGE.toUpperCase()],
    ["challenge prefix only", WORKER_TEST_CHALLENGE.slice(0, -1)],
    ["challenge with a trailing extra character", `${WORKER_TEST_CHALLENGE}x`],
    ["empty challenge", ""],
    ["missing challengePassword attribute", null],
  ];
  it.each(refusals)("%s -> CertRep FAILURE badRequest with failInfoText", async (_name, challenge) => {
    const ex = await scep({ csr: { challenge } });
    expect(ex.status).toBe(200);
    expect(ex.contentType).toBe("application/x-pki-message");
    const rep = ex.rep!;
    expect(rep.status).toBe(PkiStatus.FAILURE);
    expect(rep.failInfo).toBe(FailInfo.badRequest);
    expect(rep.failInfoText).toBeTruthy();
    expect(rep.failInfoText!.length).toBeLessThan(200);
    expect(rep.certificates).toHaveLength(0);
  });

  it("failInfoText and the raw reply never contain the configured challenge", async () => {
    for (const challenge of ["not-the-challenge", null, WORKER_TEST_CHALLENGE.slice(0, -1)]) {
      const ex = await scep({ csr: { challenge } });
      expect(ex.rep!.failInfoText ?? "").not.toContain(WORKER_TEST_CHALLENGE);
      expect(ex.rep!.failInfoText ?? "").not.toContain("worker-test");
      expect(Buffer.from(ex.body).includes(Buffer.from(WORKER_TEST_CHALLENGE))).toBe(false);
      expect(text(ex.body)).not.toContain(WORKER_TEST_CHALLENGE);
    }
  });

  it("failInfoText does not echo the wrong challenge the client sent", async () => {
    const sent = "client-sent-secret-123";
    const ex = await scep({ csr: { challenge: sent } });
    expect(ex.rep!.failInfoText).not.toContain(sent);
  });
});
