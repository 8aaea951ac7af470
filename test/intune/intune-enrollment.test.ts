// src/enroll/intune-enrollment.ts with the real IntuneClient (against the Microsoft fake through an
// injected fetch), a real Config and a stub LedgerPort: covers what a black-box test can reach only
// through a race (test/interop/intune-notifications.test.ts) or not at all — the ledger throwing
// after a successful validate — and the "no notification after a rejected validate" rule.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { generateCa } from "../../src/ca/ca-generate";
import { parseCsr, type ParsedCsr } from "../../src/ca/csr";
import { loadConfig, ConfigError, type Config } from "../../src/config";
import { EnrollmentFailure } from "../../src/enroll/errors";
import { enrollWithIntune } from "../../src/enroll/intune-enrollment";
import { issueRequestFor } from "../../src/enroll/issue-request";
import type { EnrollDeps, LedgerPort } from "../../src/enroll/ports";
import type { Env } from "../../src/env";
import type { RecordOutcome, TransactionInput } from "../../src/ledger/types";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT_ID } from "../fakes/microsoft/fake";
import { makeCsr } from "./support/csr";
import { AUTHORITY, GRAPH, harness, type Harness } from "./support/harness";

// The hResults, written out from winerror.h ([MS-ERREF] §2.1.1), not imported from the code under test.
const E_UNEXPECTED = -2147418113; // 0x8000FFFF
const CERTSRV_E_BAD_REQUESTSTATUS = 0x80094003 | 0;
const CERT_E_EXPIRED = 0x800b0101 | 0;
const HRESULT_FROM_WIN32_RPC_S_SERVER_UNAVAILABLE = 0x800706ba | 0;
let config: Config;

beforeAll(() => {
  const ca = generateCa({
    subject: { commonName: "Intune Enrollment Unit CA", organization: "Edge SCEP tests" },
    key: { algorithm: "rsa", bits: 2048 },
    validityDays: 30,
    now: new Date(),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
  });
  const loaded = loadConfig({
    CA_CERT: ca.certPem,
    CA_KEY: ca.keyPem,
    CHALLENGE_MODE: "intune",
    INTUNE_TENANT_ID: FAKE_TENANT_ID,
    INTUNE_CLIENT_ID: FAKE_CLIENT_ID,
    INTUNE_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    ENTRA_AUTHORITY_URL: AUTHORITY,
    GRAPH_BASE_URL: GRAPH,
  } as unknown as Env);
  if (loaded instanceof ConfigError) throw loaded;
  config = loaded;
});

function stubLedger(recordIssuance: LedgerPort["recordIssuance"]) {
  const ledger = {
    lookupRequest: vi.fn(async () => undefined),
    recordIssuance: vi.fn(recordIssuance),
    recordPending: vi.fn(async () => ({ kind: "pending" as const })),
    markUndelivered: vi.fn(async () => undefined),
    confirmDelivery: vi.fn(async () => true),
  };
  return ledger;
}

function deps(ledger: ReturnType<typeof stubLedger>): EnrollDeps {
  return {
    ledger: ledger as unknown as LedgerPort,
    ledgerOf: () => ledger as unknown as LedgerPort,
    runtime: { now: () => new Date(), randomBytes: (n) => new Uint8Array(randomBytes(n)), log: () => undefined },
  };
}

async function request(h: Harness, challenge: string): Promise<{ tx: TransactionInput; csr: ParsedCsr }> {
  const der = await makeCsr({ subject: "CN=device-1", challenge });
  const csr = parseCsr(der);
  const tx: TransactionInput = {
    transactionId: Buffer.from(randomBytes(20)).toString("hex"),
    requestKey: "",
    csrSha256: "00".repeat(32),
    csrDer: der,
    signerSha256: "00".repeat(32),
    subject: "CN=device-1",
    messageType: 19,
    challengeKind: "intune",
    lineage: "intune",
    profile: "default",
    sans: "",
  };
  void h;
  return { tx, csr };
}

const actions = (h: Harness) => h.fake.requestsTo("intune").map((r) => `${r.operation}:${r.code ?? r.status}`);

describe("failureNotification only after a successful validate", () => {
  test("the ledger throws while recording: failureNotification with hResult (number) and a short errorDescription, then the error", async () => {
    const h = harness();
    const ledger = stubLedger(async () => {
      throw new Error("Durable Object storage unavailable: ".padEnd(400, "x"));
    });
    const { tx, csr } = await request(h, h.fake.mintChallenge({ expectedSubject: "CN=device-1" }));
    await expect(
      enrollWithIntune(tx, csr, issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }), config, deps(ledger), h.isolate()),
    ).rejects.toThrow(/storage unavailable/);
    expect(actions(h)).toEqual(["validateRequest:Success", "failureNotification:Success"]);
    expect(h.fake.notifications).toHaveLength(1);
    const n = h.fake.notifications[0]!.notification;
    expect(n.transactionId).toBe(tx.transactionId);
    expect(n.certificateRequest).toBe(Buffer.from(csr.der).toString("base64"));
    expect(typeof n.hResult).toBe("number");
    expect(n.hResult).toBe(E_UNEXPECTED);
    expect(typeof n.errorDescription).toBe("string");
    expect((n.errorDescription as string).length).toBeGreaterThan(0);
    expect((n.errorDescription as string).length).toBeLessThanOrEqual(255);
    // The internal error text (which may carry storage details) is not what Intune shows admins.
    expect(n.errorDescription).not.toContain("Durable Object");
    expect(ledger.markUndelivered).not.toHaveBeenCalled();
  });

  test("the ledger refuses (conflict): failureNotification carries the public refusal text", async () => {
    const h = harness();
    const ledger = stubLedger(async (): Promise<RecordOutcome> => ({ kind: "conflict" }));
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    const err = await enrollWithIntune(
      tx,
      csr,
      issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }),
      config,
      deps(ledger),
      h.isolate(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnrollmentFailure);
    expect(actions(h)).toEqual(["validateRequest:Success", "failureNotification:Success"]);
    const n = h.fake.notifications[0]!.notification;
    expect(n.errorDescription).toBe((err as EnrollmentFailure).publicText);
    expect(n.hResult).toBe(CERTSRV_E_BAD_REQUESTSTATUS);
  });

  test("the ledger is unreachable (a Durable Object error): hResult RPC_S_SERVER_UNAVAILABLE", async () => {
    const h = harness();
    const ledger = stubLedger(async () => {
      throw Object.assign(new Error("Durable Object reset because its code was updated."), { retryable: true });
    });
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    await expect(
      enrollWithIntune(tx, csr, issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }), config, deps(ledger), h.isolate()),
    ).rejects.toThrow(/reset/);
    expect(h.fake.notifications.map((n) => n.notification.hResult)).toEqual([HRESULT_FROM_WIN32_RPC_S_SERVER_UNAVAILABLE]);
  });

  test("the CA certificate expired: hResult CERT_E_EXPIRED, nothing recorded", async () => {
    const h = harness();
    const ledger = stubLedger(async () => ({ kind: "recorded" }));
    const later = { ...deps(ledger), runtime: { ...deps(ledger).runtime, now: () => new Date(Date.now() + 40 * 86_400_000) } };
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    const err = await enrollWithIntune(
      tx,
      csr,
      issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }),
      config,
      later,
      h.isolate(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnrollmentFailure);
    expect(ledger.recordIssuance).not.toHaveBeenCalled();
    expect(h.fake.notifications.map((n) => [n.notification.hResult, n.notification.errorDescription])).toEqual([
      [CERT_E_EXPIRED, "the CA cannot issue: its certificate has expired"],
    ]);
  });

  test("a rejected validate sends no notification and never reaches the ledger's record", async () => {
    const h = harness();
    const ledger = stubLedger(async () => ({ kind: "recorded" }));
    for (const challenge of [
      "never-minted",
      h.fake.mintChallenge({ expectedSubject: "CN=someone-else" }),
      h.fake.mintChallenge({ notAfter: new Date(h.clock.now() - 1000), notBefore: new Date(h.clock.now() - 10_000) }),
    ]) {
      const { tx, csr } = await request(h, challenge);
      await expect(
        enrollWithIntune(tx, csr, issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }), config, deps(ledger), h.isolate()),
      ).rejects.toBeInstanceOf(EnrollmentFailure);
    }
    expect(actions(h)).toEqual([
      "validateRequest:ChallengeDecryptionError",
      "validateRequest:SubjectNameMismatch",
      "validateRequest:ChallengeExpired",
    ]);
    expect(h.fake.notifications).toEqual([]);
    expect(ledger.recordIssuance).not.toHaveBeenCalled();
  });

  test("validate unreachable (500 twice): no notification, no record", async () => {
    const h = harness();
    const ledger = stubLedger(async () => ({ kind: "recorded" }));
    h.fake.inject("validateRequest", "500", 2);
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    await expect(
      enrollWithIntune(tx, csr, issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }), config, deps(ledger), h.isolate()),
    ).rejects.toThrow(/HttpError500/);
    expect(h.fake.notifications).toEqual([]);
    expect(ledger.recordIssuance).not.toHaveBeenCalled();
  });
});

describe("success notification gates delivery", () => {
  test("recorded, then successNotification; a refused notification marks the certificate undelivered and revoked (reason 5), no failureNotification", async () => {
    const h = harness();
    const ledger = stubLedger(async () => ({ kind: "recorded" }));
    h.fake.inject("successNotification", "unknownCode", 1);
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    await expect(
      enrollWithIntune(tx, csr, issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }), config, deps(ledger), h.isolate()),
    ).rejects.toThrow(/SomeNewCode/);
    expect(ledger.recordIssuance).toHaveBeenCalledTimes(1);
    const serial = (ledger.recordIssuance.mock.calls[0]![1] as { serial: string }).serial;
    expect(ledger.markUndelivered).toHaveBeenCalledWith(serial, 5, expect.any(Number));
    expect(actions(h)).toEqual(["validateRequest:Success", "successNotification:SomeNewCode"]);
    expect(h.fake.requestsTo("intune", "failureNotification")).toEqual([]);
  });

  test("the certificate is recorded undeliverable and confirmed only after Intune's acknowledgement", async () => {
    const h = harness();
    const ledger = stubLedger(async () => ({ kind: "recorded" }));
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    const issued = await enrollWithIntune(
      tx,
      csr,
      issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }),
      config,
      deps(ledger),
      h.isolate(),
    );
    expect(issued).toMatchObject({ kind: "issued", confirmed: true });
    const recorded = ledger.recordIssuance.mock.calls[0]![1] as { serial: string; delivered?: boolean };
    expect(recorded.delivered).toBe(false);
    expect(ledger.confirmDelivery).toHaveBeenCalledWith(recorded.serial, expect.any(Number));
    expect(actions(h)).toEqual(["validateRequest:Success", "successNotification:Success"]);
    // The acknowledgement came first, the confirmation after it.
    expect(ledger.confirmDelivery.mock.invocationCallOrder[0]!).toBeGreaterThan(ledger.recordIssuance.mock.invocationCallOrder[0]!);
  });

  test("a refused notification is never confirmed", async () => {
    const h = harness();
    const ledger = stubLedger(async () => ({ kind: "recorded" }));
    h.fake.inject("successNotification", "unknownCode", 1);
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    await expect(
      enrollWithIntune(tx, csr, issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }), config, deps(ledger), h.isolate()),
    ).rejects.toBeInstanceOf(EnrollmentFailure);
    expect(ledger.confirmDelivery).not.toHaveBeenCalled();
  });

  test("a retry of a request recorded but never confirmed (Worker stopped before the ack) re-sends successNotification without validating again", async () => {
    const h = harness();
    const ledger = stubLedger(async () => ({ kind: "recorded" }));
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    // A first enrollment validates and issues; its certificate is what the ledger now holds unconfirmed.
    const first = await enrollWithIntune(
      tx,
      csr,
      issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }),
      config,
      deps(ledger),
      h.isolate(),
    );
    if (first.kind !== "issued") throw new Error("expected issued");
    ledger.lookupRequest.mockResolvedValueOnce({ kind: "unconfirmed", der: first.der, serial: first.serial } as never);
    const retry = await enrollWithIntune(
      tx,
      csr,
      issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }),
      config,
      deps(ledger),
      h.isolate(),
    );
    expect(retry).toMatchObject({ kind: "issued", serial: first.serial, confirmed: true });
    expect(actions(h)).toEqual(["validateRequest:Success", "successNotification:Success", "successNotification:Success"]);
    expect(ledger.recordIssuance).toHaveBeenCalledTimes(1);
    expect(ledger.confirmDelivery).toHaveBeenLastCalledWith(first.serial, expect.any(Number));
  });

  test("withheld between the acknowledgement and the confirmation: not delivered", async () => {
    const h = harness();
    const ledger = stubLedger(async () => ({ kind: "recorded" }));
    ledger.confirmDelivery.mockResolvedValueOnce(false);
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    await expect(
      enrollWithIntune(tx, csr, issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }), config, deps(ledger), h.isolate()),
    ).rejects.toBeInstanceOf(EnrollmentFailure);
  });

  test("a request the ledger already served never reaches Intune", async () => {
    const h = harness();
    const ledger = stubLedger(async () => ({ kind: "recorded" }));
    ledger.lookupRequest.mockResolvedValueOnce({ kind: "existing", der: new Uint8Array([0x30, 0]), serial: "AB" } as never);
    const { tx, csr } = await request(h, h.fake.mintChallenge());
    await expect(
      enrollWithIntune(tx, csr, issueRequestFor(csr, config, { kind: "intune", intuneValidated: true }), config, deps(ledger), h.isolate()),
    ).resolves.toMatchObject({ kind: "issued", serial: "AB", fresh: false });
    expect(h.fake.requests).toEqual([]);
  });
});
