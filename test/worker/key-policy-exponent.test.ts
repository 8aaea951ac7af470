// CA/Browser Forum Baseline Requirements §6.1.6 through the Worker: a PKCSReq whose CSR key has
// e = 3 gets a signed CertRep FAILURE badRequest naming the rule, and no certificate.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { importPrivateKeyPem } from "../../src/crypto/keys";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import { rsaKey, scep, selfSigned } from "./support/scep-harness";

describe("RSA public exponent", () => {
  it("a CSR key with e = 3 -> CertRep FAILURE badRequest 'RSA public exponent 3 is not allowed (use 65537)'", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 3 });
    const key = importPrivateKeyPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    const ex = await scep({ csr: { key }, signer: selfSigned(rsaKey(2048, "default-signer")) });
    expect(ex.status).toBe(200);
    expect(ex.rep?.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep?.failInfo).toBe(FailInfo.badRequest);
    expect(ex.rep?.failInfoText).toBe("key refused: RSA public exponent 3 is not allowed (use 65537)");
    expect(ex.rep?.certificates).toEqual([]);
  });

  it("the same request with e = 65537 is issued", async () => {
    const ex = await scep({ csr: { key: rsaKey(2048, "exponent-65537") }, signer: selfSigned(rsaKey(2048, "default-signer")) });
    expect(ex.rep?.status).toBe(PkiStatus.SUCCESS);
  });
});
