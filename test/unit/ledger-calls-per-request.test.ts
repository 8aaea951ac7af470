// How often one request talks to the ledger (the Durable Object is a round trip and its own CPU):
// a new enrollment with the static challenge makes exactly one call, recordIssuance, which checks,
// records and answers retries in one transaction; a refused request (a wrong challenge, a CSR past
// its bounds) makes none.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateCa } from "../../src/ca/ca-generate";
import { newRsaKey } from "../../src/client/certificates";
import { buildCsr } from "../../src/client/csr-builder";
import { buildRequest, selfSigned } from "../../src/client/enrollment";
import { ConfigError, loadConfig, type Config } from "../../src/config";
import { handlePkiOperation } from "../../src/enroll/pki-operation";
import type { LedgerPort } from "../../src/enroll/ports";
import { parsePem } from "../../src/asn1/pem";
import { MessageType, PkiStatus } from "../../src/scep/oids";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { parseCertView } from "../../src/x509/cert-view";

const rb = (n: number) => new Uint8Array(randomBytes(n));
const ca = generateCa({
  subject: { commonName: "Ledger Calls CA" },
  key: { algorithm: "rsa", bits: 2048 },
  validityDays: 30,
  now: new Date(),
  randomBytes: rb,
});
const config = loadConfig({ CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: "right" } as never) as Config;
const key = newRsaKey();

/** A ledger that records the name of every method called on it and answers recordIssuance. */
function countingLedger(): { ledger: LedgerPort; calls: string[] } {
  const calls: string[] = [];
  const ledger = new Proxy({} as LedgerPort, {
    get: (_t, name) => async () => {
      calls.push(String(name));
      return name === "recordIssuance" ? { kind: "recorded" } : undefined;
    },
  });
  return { ledger, calls };
}

async function send(challenge: string, extensions = 0): Promise<{ status: number | undefined; calls: string[] }> {
  const cn = `calls-${Buffer.from(rb(4)).toString("hex")}`;
  const dnsNames = Array.from({ length: extensions }, (_, i) => `h${i}.example`);
  const csrDer = buildCsr({ key: key.handle, subject: { commonName: cn }, challenge, hash: "sha256", dnsNames });
  const request = buildRequest({
    messageType: MessageType.PKCSReq,
    csrDer,
    signer: selfSigned(key.handle, { commonName: cn }),
    recipients: [parseCertView(parsePem(ca.certPem)[0]!.der)],
    cipher: "aes-128-cbc",
    hash: "sha256",
  });
  const { ledger, calls } = countingLedger();
  const { reply } = await handlePkiOperation(request.der, config, {
    ledger,
    ledgerOf: () => ledger,
    runtime: { now: () => new Date(), randomBytes: rb, log: () => {} },
  });
  return { status: parsePkiMessage(reply).pkiStatus, calls };
}

describe("ledger calls per request", () => {
  it("the configuration loads", () => {
    expect(config).not.toBeInstanceOf(ConfigError);
  });

  it("a new enrollment: one call, recordIssuance", async () => {
    const r = await send("right");
    expect(r.status).toBe(PkiStatus.SUCCESS);
    expect(r.calls).toEqual(["recordIssuance"]);
  });

  it("a wrong challenge: none", async () => {
    const r = await send("wrong");
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.calls).toEqual([]);
  });

  it("a request past the name bounds: none", async () => {
    const r = await send("right", 33);
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.calls).toEqual([]);
  });
});
