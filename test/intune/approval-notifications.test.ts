// Admin paths of an Intune request waiting for approval (APPROVAL_MODE=manual:intune), with the real
// IntuneClient against the fake and a stub ledger: an admin rejection, and an approval that cannot
// issue (names or key refused by today's policy, the CA expired, the ledger unreachable) each send
// one failureNotification, with the CSR Intune validated (unsealed) and the hResult of the cause,
// and leave the request rejected. A non-Intune request tells Intune nothing.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { approvePending } from "../../src/admin/approval";
import { generateCa } from "../../src/ca/ca-generate";
import { stripChallengePassword } from "../../src/x509/csr-redaction";
import { loadConfig, ConfigError, type Config } from "../../src/config";
import { seal } from "../../src/crypto/seal";
import { PENDING_CSR_LABEL, rejectPendingRequest } from "../../src/enroll/intune-outcome";
import type { EnrollDeps, LedgerPort } from "../../src/enroll/ports";
import type { Env } from "../../src/env";
import type { PendingRequest, RejectedRequest } from "../../src/ledger/types";
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT_ID } from "../fakes/microsoft/fake";
import { makeCsr } from "./support/csr";
import { AUTHORITY, GRAPH, harness, type Harness } from "./support/harness";

// winerror.h values ([MS-ERREF] §2.1.1), written out rather than imported from the code under test.
const HRESULT = {
  CERTSRV_E_ADMIN_DENIED_REQUEST: 0x80094014 | 0,
  CERTSRV_E_BAD_REQUESTSUBJECT: 0x80094001 | 0,
  CERTSRV_E_KEY_LENGTH: 0x80094811 | 0,
  CERT_E_EXPIRED: 0x800b0101 | 0,
  RPC_S_SERVER_UNAVAILABLE: 0x800706ba | 0,
};

let ca: { certPem: string; keyPem: string };
const rb = (n: number) => new Uint8Array(randomBytes(n));

beforeAll(() => {
  ca = generateCa({
    subject: { commonName: "Approval Notifications CA" },
    key: { algorithm: "rsa", bits: 2048 },
    validityDays: 30,
    now: new Date(),
    randomBytes: rb,
  });
});

function configWith(extra: Record<string, string> = {}): Config {
  const loaded = loadConfig({
    CA_CERT: ca.certPem,
    CA_KEY: ca.keyPem,
    CHALLENGE_MODE: "intune",
    APPROVAL_MODE: "manual:intune",
    INTUNE_TENANT_ID: FAKE_TENANT_ID,
    INTUNE_CLIENT_ID: FAKE_CLIENT_ID,
    INTUNE_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    ENTRA_AUTHORITY_URL: AUTHORITY,
    GRAPH_BASE_URL: GRAPH,
    ...extra,
  } as unknown as Env);
  if (loaded instanceof ConfigError) throw loaded;
  return loaded;
}

/** A request Intune validated, as the ledger holds it while it waits: stripped CSR and the sealed original. */
async function waiting(h: Harness, config: Config, kind = "intune") {
  const original = await makeCsr({ subject: "CN=device-7", sans: ["dns:device-7.corp.example"], challenge: h.fake.mintChallenge() });
  const transactionId = Buffer.from(rb(20)).toString("hex");
  const client = h.isolate();
  if (kind === "intune") expect((await client.validateRequest(transactionId, original)).ok).toBe(true);
  const pending: PendingRequest = {
    transactionId,
    requestKey: "",
    csrDer: stripChallengePassword(original) ?? original,
    ...(kind === "intune" ? { sealedCsr: seal(config.ca.caKey, PENDING_CSR_LABEL, original, rb) } : {}),
    signerSha256: "00".repeat(32),
    subject: "CN=device-7",
    challengeKind: kind,
    lineage: kind,
    profile: "default",
    createdAt: Date.now(),
  };
  const ledger = {
    pendingRequest: vi.fn(async () => pending),
    completeApproval: vi.fn(async () => ({ kind: "recorded" as const })),
    rejectPending: vi.fn(
      async (): Promise<RejectedRequest | undefined> => ({
        challengeKind: kind,
        csrDer: pending.csrDer,
        ...(pending.sealedCsr ? { sealedCsr: pending.sealedCsr } : {}),
      }),
    ),
    markUndelivered: vi.fn(async () => undefined),
    confirmDelivery: vi.fn(async () => true),
  };
  const deps: EnrollDeps = {
    ledger: ledger as unknown as LedgerPort,
    ledgerOf: () => ledger as unknown as LedgerPort,
    runtime: { now: () => new Date(), randomBytes: rb, log: () => undefined },
    intune: client,
  };
  return { original, transactionId, ledger, deps };
}

const failures = (h: Harness) => h.fake.notifications.filter((n) => n.kind === "failure").map((n) => n.notification);

describe("an admin rejects an Intune request", () => {
  test("Intune hears CERTSRV_E_ADMIN_DENIED_REQUEST with the admin's reason and the CSR it validated", async () => {
    const h = harness();
    const config = configWith();
    const w = await waiting(h, config);
    const reason = { note: "not our device", cause: "admin-rejected" as const, description: "rejected by a CA administrator: not our device" };
    expect(await rejectPendingRequest(w.transactionId, "", reason, config, w.deps)).toBe(true);
    expect(failures(h)).toEqual([
      expect.objectContaining({
        transactionId: w.transactionId,
        certificateRequest: Buffer.from(w.original).toString("base64"),
        hResult: HRESULT.CERTSRV_E_ADMIN_DENIED_REQUEST,
        errorDescription: "rejected by a CA administrator: not our device",
      }),
    ]);
  });

  test("no notification when the request was no longer pending, nor for a request Intune never saw", async () => {
    const h = harness();
    const config = configWith();
    const w = await waiting(h, config);
    w.ledger.rejectPending.mockResolvedValueOnce(undefined);
    expect(await rejectPendingRequest(w.transactionId, "", { note: "x", cause: "admin-rejected", description: "x" }, config, w.deps)).toBe(false);
    const s = await waiting(h, config, "static");
    expect(await rejectPendingRequest(s.transactionId, "", { note: "x", cause: "admin-rejected", description: "x" }, config, s.deps)).toBe(true);
    expect(h.fake.requestsTo("intune", "failureNotification")).toEqual([]);
  });
});

describe("an approval that cannot issue an Intune request", () => {
  test.each([
    ["names refused by today's SAN policy", { SAN_TYPES: "upn" }, HRESULT.CERTSRV_E_BAD_REQUESTSUBJECT],
    ["a key the profile no longer takes", { CERT_PROFILES: JSON.stringify({ default: { rsaBits: [3072, 4096] } }) }, HRESULT.CERTSRV_E_KEY_LENGTH],
  ])("%s: rejected, Intune told with the cause's hResult", async (_name, extra, hResult) => {
    const h = harness();
    const w = await waiting(h, configWith());
    const config = configWith(extra);
    const result = await approvePending(w.transactionId, "", config, w.deps);
    expect(result).toMatchObject({ kind: "refused", rejected: true });
    expect(w.ledger.completeApproval).not.toHaveBeenCalled();
    expect(w.ledger.rejectPending).toHaveBeenCalledWith(w.transactionId, "", expect.stringContaining("approval failed"), expect.any(Number));
    const [n] = failures(h);
    expect(n).toMatchObject({ transactionId: w.transactionId, certificateRequest: Buffer.from(w.original).toString("base64"), hResult });
    expect(failures(h)).toHaveLength(1);
  });

  test("the CA expired while the request waited: CERT_E_EXPIRED", async () => {
    const h = harness();
    const config = configWith();
    const w = await waiting(h, config);
    const later = { ...w.deps, runtime: { ...w.deps.runtime, now: () => new Date(Date.now() + 40 * 86_400_000) } };
    expect(await approvePending(w.transactionId, "", config, later)).toMatchObject({
      kind: "refused",
      rejected: true,
      reason: expect.stringContaining("expired"),
    });
    expect(failures(h).map((n) => n.hResult)).toEqual([HRESULT.CERT_E_EXPIRED]);
  });

  test("the ledger fails while recording: RPC_S_SERVER_UNAVAILABLE, and the error still reaches the admin", async () => {
    const h = harness();
    const config = configWith();
    const w = await waiting(h, config);
    w.ledger.completeApproval.mockRejectedValueOnce(Object.assign(new Error("Durable Object is overloaded"), { overloaded: true }));
    await expect(approvePending(w.transactionId, "", config, w.deps)).rejects.toThrow(/overloaded/);
    expect(failures(h).map((n) => n.hResult)).toEqual([HRESULT.RPC_S_SERVER_UNAVAILABLE]);
  });

  test("an approval that issues sends successNotification only", async () => {
    const h = harness();
    const config = configWith();
    const w = await waiting(h, config);
    expect(await approvePending(w.transactionId, "", config, w.deps)).toMatchObject({ kind: "issued" });
    expect(h.fake.notifications.map((n) => n.kind)).toEqual(["success"]);
    expect(h.fake.notifications[0]!.notification.certificateRequest).toBe(Buffer.from(w.original).toString("base64"));
  });
});
