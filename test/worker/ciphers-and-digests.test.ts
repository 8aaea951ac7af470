// Content ciphers, digests, key transport and key types a PKCSReq may use (RFC 8894 §3.5.2 and
// docs/scep-clients.md §7 items 7-9, 15): one row per client behaviour.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { prepareRequest, readCertRep } from "../../src/client/scep-client";
import worker from "../../src/index";
import { FailInfo, MessageType, PkiStatus } from "../../src/scep/oids";
import {
  buildCsr,
  caCert,
  caCertDer,
  ecKey,
  enrollOk,
  newTransactionId,
  rnd,
  rsaKey,
  scep,
  selfSigned,
  spkiDer,
  uniqueName,
  WORKER_TEST_CHALLENGE,
  clientSigner,
} from "./support/scep-harness";
import type { ContentCipherName } from "../../src/scep/content-cipher";

describe("content ciphers", () => {
  it.each<[string, ContentCipherName]>([
    ["aes-128-cbc (our test client, Apple)", "aes-128-cbc"],
    ["aes-192-cbc", "aes-192-cbc"],
    ["aes-256-cbc (certmonger with the AES capability)", "aes-256-cbc"],
    ["des-ede3-cbc (older clients with DES3 only)", "des-ede3-cbc"],
  ])("%s: issues, and the reply uses the request's cipher", async (_name, cipher) => {
    const ex = await enrollOk({ cipher });
    expect(ex.status).toBe(200);
    expect(ex.rep!.replyCipher).toBe(cipher);
  });

  it("des-cbc (micromdm scepclient 2.1.0) with ALLOW_LEGACY_DES=false: CertRep FAILURE badAlg over HTTP 200", async () => {
    const ex = await scep({ cipher: "des-cbc" });
    expect(ex.status).toBe(200);
    expect(ex.contentType).toBe("application/x-pki-message");
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badAlg);
    expect(ex.rep!.failInfoText).toMatch(/DES/i);
    expect(ex.rep!.certificates).toHaveLength(0);
  });
});

describe("message digests", () => {
  it.each<["sha1" | "sha256" | "sha384" | "sha512"]>([["sha1"], ["sha256"], ["sha384"], ["sha512"]])(
    "signerInfo digest %s is accepted",
    async (hash) => {
      const ex = await enrollOk({ hash });
      expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
    },
  );

  it.each<["sha1" | "sha256" | "sha384" | "sha512"]>([["sha1"], ["sha256"], ["sha512"]])("CSR signed with %s is accepted", async (hash) => {
    const ex = await enrollOk({ csr: { hash } });
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });
});

describe("key transport", () => {
  it("RSAES-PKCS1-v1_5 (every SCEP client)", async () => {
    const ex = await enrollOk({ oaep: false });
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });

  it("RSAES-OAEP (RFC 8894 §3.5.2 allows it; newer clients)", async () => {
    const ex = await enrollOk({ oaep: true });
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });
});

describe("key types and signers", () => {
  it("EC P-256 CSR key with an RSA signer certificate: issued for the EC key", async () => {
    const key = ecKey("P-256");
    const ex = await enrollOk({ csr: { key }, signer: selfSigned(rsaKey(2048, "ec-signer")) });
    const issued = ex.issuedCert;
    expect(Buffer.from(issued.subjectPublicKeyInfo.toSchema().toBER()).equals(Buffer.from(spkiDer(key)))).toBe(true);
    expect(issued.subjectPublicKeyInfo.algorithm.algorithmId).toBe("1.2.840.10045.2.1");
  });

  it("EC P-384 CSR key with an RSA signer certificate", async () => {
    const ex = await enrollOk({ csr: { key: ecKey("P-384") }, signer: selfSigned(rsaKey(2048, "ec-signer")) });
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });

  it("RSA-1024 CSR key: FAILURE badRequest", async () => {
    const ex = await scep({ csr: { key: rsaKey(1024, "small") } });
    expect(ex.status).toBe(200);
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badRequest);
    expect(ex.rep!.failInfoText).toMatch(/key/i);
  });

  it("RSA-3072 CSR key is accepted", async () => {
    const ex = await enrollOk({ csr: { key: rsaKey(3072, "big") }, signer: selfSigned(rsaKey(2048, "default-signer")) });
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });

  it("Windows signer with a critical AuthorityKeyIdentifier is accepted", async () => {
    const key = rsaKey(2048, "windows");
    const ex = await enrollOk({ csr: { key }, signer: selfSigned(key, "SCEP Protocol Certificate", { criticalAki: true }) });
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });

  it("signer subject unrelated to the CSR subject (scepclient signs as CN=SCEP SIGNER)", async () => {
    const subject = { commonName: uniqueName("host") };
    const ex = await enrollOk({ csr: { subject }, signer: selfSigned(rsaKey(2048, "other-signer"), "SCEP SIGNER") });
    expect(ex.issuedCert.subject.typesAndValues.find((t) => t.type === "2.5.4.3")?.value.valueBlock.value).toBe(subject.commonName);
  });

  it("request encrypted to the CA among several recipients (scepclient encrypts to every GetCACert certificate)", async () => {
    const stranger = selfSigned(rsaKey(2048, "stranger")).cert;
    const ex = await enrollOk({ recipients: [stranger, caCert()] });
    expect(ex.rep!.status).toBe(PkiStatus.SUCCESS);
  });

  it("EC signer certificate: no reply can be encrypted to it -> FAILURE badAlg, not 500", async () => {
    const key = ecKey("P-256");
    const ex = await scep({ csr: { key }, signer: selfSigned(key) });
    expect(ex.status).toBe(200);
    expect(ex.rep!.status).toBe(PkiStatus.FAILURE);
    expect(ex.rep!.failInfo).toBe(FailInfo.badAlg);
  });
});

describe("ALLOW_LEGACY_DES=true (the Worker's handler called with the real bindings but that flag flipped)", () => {
  it("des-cbc request (micromdm scepclient) is accepted and answered with AES-128, never single DES", async () => {
    const legacyEnv = { ...(env as unknown as Record<string, unknown>), ALLOW_LEGACY_DES: "true" } as never;
    const key = rsaKey(2048, "legacy");
    const signer = selfSigned(key);
    const transactionId = newTransactionId();
    const req = prepareRequest({
      messageType: MessageType.PKCSReq,
      messageData: buildCsr({ key, subject: { commonName: uniqueName("legacy") }, challenge: WORKER_TEST_CHALLENGE }),
      transactionId,
      signer: clientSigner(signer),
      recipients: [caCertDer()],
      cipher: "des-cbc",
      hash: "sha1",
      randomBytes: rnd,
    });
    const res = await worker.fetch(
      new Request("http://scep.test/scep?operation=PKIOperation", {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: req.der,
      }),
      legacyEnv,
    );
    const body = new Uint8Array(await res.arrayBuffer());
    expect(res.status).toBe(200);
    const rep = readCertRep(body, { transactionId, senderNonce: req.senderNonce, signer: clientSigner(signer) }, [caCertDer()]);
    expect(rep.status).toBe(PkiStatus.SUCCESS);
    expect(rep.replyCipher).toBe("aes-128-cbc");
  });
});
