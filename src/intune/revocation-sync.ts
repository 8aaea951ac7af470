// Revocation requests from Intune: when a device is retired or wiped, or its SCEP profile removed,
// Intune queues a revocation request for the partner CA that issued its certificate and expects
// the CA to fetch it, revoke, and report back (ref-scep-api.md, IntuneRevocationClient). One run:
//   1. send again the results Intune has not accepted yet (a failed upload, a Worker stopped),
//   2. download this CA's requests (issuerName = the issuingCertificateAuthority we reported in
//      successNotification), at most `batchSize` per issuer name,
//   3. revoke each in the ledger of the CA that holds the serial (current or retired), recording
//      the requestContext in the same step (a request seen twice revokes once),
//   4. upload one result per request, then mark them sent.
// The cron runs it hourly: Intune answers nothing for 60 minutes after a download anyway.
import type { IntuneLogger } from "./types";
import { MAX_DOWNLOAD, type RevocationRequest, type RevocationResult } from "./revocation-client";

export type RevocationOutcome = "revoked" | "already-revoked" | "not-found" | "invalid";

/** The ledger operations a run needs (src/ledger/intune-revocation-store.ts). */
export interface RevocationLedger {
  handleIntuneRevocation(
    requestContext: string,
    serial: string,
    reason: number,
    now: number,
  ): Promise<{ kind: "seen" | "handled"; outcome: RevocationOutcome } | { kind: "absent" }>;
  recordIntuneRevocation(requestContext: string, serial: string, outcome: RevocationOutcome, now: number): Promise<RevocationOutcome>;
  unsentIntuneRevocations(limit: number): Promise<{ requestContext: string; serial: string; outcome: RevocationOutcome }[]>;
  markIntuneRevocationsSent(requestContexts: string[], now: number): Promise<void>;
}

export interface SyncStateLedger {
  beginIntuneSync(runId: string, now: number, leaseMs: number): Promise<boolean>;
  finishIntuneSync(runId: string, summary: SyncSummary, now: number): Promise<void>;
}

export interface SyncCa {
  keyId: string;
  /** The CA's subject as text: what successNotification sent as issuingCertificateAuthority. */
  issuerName: string;
  ledger: RevocationLedger;
}

export interface RevocationSyncDeps {
  client: {
    downloadRevocationRequests(runId: string, maxRequests: number, issuerName: string): Promise<RevocationRequest[]>;
    uploadRevocationResults(runId: string, results: RevocationResult[]): Promise<void>;
  };
  /** Current CA first, then the retired ones. */
  cas: SyncCa[];
  state: SyncStateLedger;
  batchSize: number;
  now(): number;
  randomUUID(): string;
  log: IntuneLogger;
}

export interface SyncSummary {
  runId: string;
  trigger: string;
  startedAt: string;
  finishedAt?: string;
  /** Requests downloaded this run (all issuer names). */
  downloaded: number;
  revoked: number;
  alreadyRevoked: number;
  notFound: number;
  invalid: number;
  /** Requests handled by an earlier run (downloaded again, or results not yet accepted). */
  repeated: number;
  uploaded: number;
  /** Why the run stopped short; its results stay recorded and are sent next time. */
  errors: string[];
  skipped?: string;
}

/** RFC 5280 §5.3.1 cessationOfOperation: the request carries no reason; the device left management. */
const INTUNE_REVOCATION_REASON = 5;
/** A run that died (a Worker stopped) holds the sync this long at most. */
const SYNC_LEASE_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;

const RESULTS: Record<RevocationOutcome, Omit<RevocationResult, "requestContext">> = {
  revoked: { succeeded: true, errorCode: "None", errorMessage: null },
  "already-revoked": { succeeded: false, errorCode: "ConflictError", errorMessage: "The certificate was already revoked." },
  "not-found": { succeeded: false, errorCode: "CertificateNotFoundError", errorMessage: "This CA issued no certificate with this serial number." },
  invalid: {
    succeeded: false,
    errorCode: "ParameterDataInvalidError",
    errorMessage: "The serial number is not a certificate serial number in hexadecimal.",
  },
};

/** Uppercase hex, minimal and of even length (leading zero octets dropped, as the ledger stores serials); undefined when not a serial. */
export function normaliseSerial(text: string): string | undefined {
  const hex = text.replace(/[\s:]/g, "").toUpperCase();
  if (!/^[0-9A-F]{1,40}$/.test(hex)) return undefined;
  const bare = hex.replace(/^0+/, "");
  if (bare === "") return undefined;
  return bare.length % 2 ? `0${bare}` : bare;
}

export async function runRevocationSync(deps: RevocationSyncDeps, trigger: string): Promise<SyncSummary> {
  const runId = deps.randomUUID();
  const summary: SyncSummary = {
    runId,
    trigger,
    startedAt: new Date(deps.now()).toISOString(),
    downloaded: 0,
    revoked: 0,
    alreadyRevoked: 0,
    notFound: 0,
    invalid: 0,
    repeated: 0,
    uploaded: 0,
    errors: [],
  };
  if (!(await deps.state.beginIntuneSync(runId, deps.now(), SYNC_LEASE_MS))) {
    deps.log("intune.revocation.sync", { ...summary, skipped: "another run holds the sync" });
    return { ...summary, skipped: "another run holds the sync" };
  }
  // requestContext -> the result to send and the ledger that recorded it.
  const outbox = new Map<string, { outcome: RevocationOutcome; ledger: RevocationLedger }>();
  try {
    for (const ca of deps.cas) {
      for (const r of await ca.ledger.unsentIntuneRevocations(MAX_DOWNLOAD)) {
        outbox.set(r.requestContext, { outcome: r.outcome, ledger: ca.ledger });
        summary.repeated++;
      }
    }
    for (const issuerName of issuerNames(deps)) {
      let requests: RevocationRequest[];
      try {
        requests = await deps.client.downloadRevocationRequests(runId, deps.batchSize, issuerName);
      } catch (e) {
        summary.errors.push(`download for ${issuerName}: ${errorText(e)}`);
        continue;
      }
      summary.downloaded += requests.length;
      for (const request of requests) {
        if (outbox.has(request.requestContext)) continue;
        const handled = await handle(deps, request);
        outbox.set(request.requestContext, handled);
        if (handled.repeated) summary.repeated++;
        else count(summary, handled.outcome);
      }
    }
    await upload(deps, runId, outbox, summary);
  } catch (e) {
    summary.errors.push(errorText(e));
  } finally {
    summary.finishedAt = new Date(deps.now()).toISOString();
    await deps.state.finishIntuneSync(runId, summary, deps.now()).catch((e: unknown) => summary.errors.push(`state: ${errorText(e)}`));
    deps.log("intune.revocation.sync", { ...summary });
  }
  return summary;
}

/** Distinct issuer names, starting at a different one each hour: should Intune's cool-down be per app rather than per filter, every CA's queue still gets its turn. */
function issuerNames(deps: RevocationSyncDeps): string[] {
  const names = [...new Set(deps.cas.map((c) => c.issuerName))];
  const start = Math.floor(deps.now() / HOUR_MS) % names.length;
  return [...names.slice(start), ...names.slice(0, start)];
}

async function handle(
  deps: RevocationSyncDeps,
  request: RevocationRequest,
): Promise<{ outcome: RevocationOutcome; ledger: RevocationLedger; repeated: boolean }> {
  const now = deps.now();
  const serial = normaliseSerial(request.serialNumber);
  const current = deps.cas[0]!;
  // The CA named by the request first; the serial decides (serials are 128-bit random, unique across our CAs).
  const order = [...deps.cas].sort((a, b) => Number(b.issuerName === request.issuerName) - Number(a.issuerName === request.issuerName));
  for (const ca of order) {
    const answer = await ca.ledger.handleIntuneRevocation(request.requestContext, serial ?? "", INTUNE_REVOCATION_REASON, now);
    if (answer.kind === "absent") continue;
    deps.log("intune.revocation.request", {
      requestContext: request.requestContext,
      serial: serial ?? request.serialNumber,
      ca: ca.keyId,
      outcome: answer.outcome,
      repeated: answer.kind === "seen",
    });
    return { outcome: answer.outcome, ledger: ca.ledger, repeated: answer.kind === "seen" };
  }
  const outcome = await current.ledger.recordIntuneRevocation(
    request.requestContext,
    serial ?? request.serialNumber.slice(0, 80),
    serial ? "not-found" : "invalid",
    now,
  );
  deps.log("intune.revocation.request", { requestContext: request.requestContext, serial: serial ?? "(invalid)", outcome });
  return { outcome, ledger: current.ledger, repeated: false };
}

async function upload(
  deps: RevocationSyncDeps,
  runId: string,
  outbox: Map<string, { outcome: RevocationOutcome; ledger: RevocationLedger }>,
  summary: SyncSummary,
) {
  const entries = [...outbox.entries()];
  for (let i = 0; i < entries.length; i += MAX_DOWNLOAD) {
    const chunk = entries.slice(i, i + MAX_DOWNLOAD);
    try {
      await deps.client.uploadRevocationResults(
        runId,
        chunk.map(([requestContext, { outcome }]) => ({ requestContext, ...RESULTS[outcome] })),
      );
    } catch (e) {
      summary.errors.push(`upload: ${errorText(e)}`);
      return;
    }
    summary.uploaded += chunk.length;
    const byLedger = new Map<RevocationLedger, string[]>();
    for (const [context, { ledger }] of chunk) byLedger.set(ledger, [...(byLedger.get(ledger) ?? []), context]);
    for (const [ledger, contexts] of byLedger) await ledger.markIntuneRevocationsSent(contexts, deps.now());
  }
}

function count(summary: SyncSummary, outcome: RevocationOutcome): void {
  if (outcome === "revoked") summary.revoked++;
  else if (outcome === "already-revoked") summary.alreadyRevoked++;
  else if (outcome === "not-found") summary.notFound++;
  else summary.invalid++;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
