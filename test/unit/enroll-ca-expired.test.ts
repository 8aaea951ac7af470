// An expired CA certificate is a server condition: the device gets a signed CertRep FAILURE that
// says so, never an HTTP 500, and nothing reaches the ledger.
import { randomBytes } from "node:crypto";
import { expect, it, vi } from "vitest";
import { generateCa, generateKeyPair } from "../../src/ca/ca-generate";
import { buildCsr, selfSignedSigner } from "../../src/client/csr-builder";
import { prepareRequest } from "../../src/client/scep-client";
import { ConfigError, loadConfig } from "../../src/config";
import { handlePkiOperation } from "../../src/enroll/pki-operation";
import type { LedgerPort } from "../../src/enroll/ports";
import type { Env } from "../../src/env";
import { importPrivateKeyPem } from "../../src/crypto/keys";
import { FailInfo, MessageType, PkiStatus } from "../../src/scep/oids";
import { parsePkiMessage } from "../../src/scep/pki-message";

const rnd = (n: number) => new Uint8Array(randomBytes(n));

it("CA past its notAfter: CertRep FAILURE badRequest naming the cause, no ledger write", async () => {
  const issuedAt = new Date();
  const ca = generateCa({
    subject: { commonName: "Short-lived CA" },
    key: { algorithm: "rsa", bits: 2048 },
    validityDays: 1,
    now: issuedAt,
    randomBytes: rnd,
  });
  const config = loadConfig({ CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: "expired-ca-challenge" } as unknown as Env);
  if (config instanceof ConfigError) throw config;
  const key = importPrivateKeyPem(generateKeyPair({ algorithm: "rsa", bits: 2048 }).keyPem);
  const signer = { cert: selfSignedSigner(key, { commonName: "late-device" }, issuedAt, rnd), key };
  const req = prepareRequest({
    messageType: MessageType.PKCSReq,
    messageData: buildCsr({ key, subject: { commonName: "late-device" }, challenge: "expired-ca-challenge" }),
    transactionId: "late-1",
    signer,
    recipients: [config.ca.caCert],
    cipher: "aes-128-cbc",
    hash: "sha256",
    randomBytes: rnd,
  });
  const recordIssuance = vi.fn();
  const threeDaysLater = new Date(issuedAt.getTime() + 3 * 86400_000);
  const { reply, failedAuthentication } = await handlePkiOperation(req.der, config, {
    ledger: { recordIssuance } as unknown as LedgerPort,
    ledgerOf: () => ({ recordIssuance }) as unknown as LedgerPort,
    runtime: { now: () => threeDaysLater, randomBytes: rnd, log: () => undefined },
  });
  const rep = parsePkiMessage(reply);
  expect(rep.pkiStatus).toBe(PkiStatus.FAILURE);
  expect(rep.failInfo).toBe(FailInfo.badRequest);
  expect(rep.failInfoText).toMatch(/CA cannot issue: its certificate has expired/);
  expect(recordIssuance).not.toHaveBeenCalled();
  // The request was authenticated: the CA's own state is no failure of the client's.
  expect(failedAuthentication).toBe(false);
});
