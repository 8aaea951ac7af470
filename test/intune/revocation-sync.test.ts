// The revocation sync with the real IntuneClient against the in-process fake, and small in-memory
// ledgers standing for a current and a retired CA (the Durable Object's own behaviour is exercised
// through the built Worker in test/interop/intune-revocation.test.ts). Covers what that test cannot
// reach cheaply: a retired CA's certificate, several issuer names, malformed requests, the lease,
// one issuer's download failing, and the wire of both calls.
import { describe, expect, it } from "vitest";
import {
  normaliseSerial,
  runRevocationSync,
  type RevocationLedger,
  type RevocationOutcome,
  type SyncStateLedger,
  type SyncSummary,
} from "../../src/intune/revocation-sync";
import { harness, type Harness } from "./support/harness";

class MemoryLedger implements RevocationLedger {
  readonly certs = new Map<string, { revoked?: number }>();
  readonly records = new Map<string, { serial: string; outcome: RevocationOutcome; sent: boolean }>();
  constructor(serials: string[] = []) {
    for (const s of serials) this.certs.set(s, {});
  }
  async handleIntuneRevocation(context: string, serial: string, reason: number) {
    const seen = this.records.get(context);
    if (seen) return { kind: "seen" as const, outcome: seen.outcome };
    const cert = this.certs.get(serial);
    if (!cert) return { kind: "absent" as const };
    const outcome = cert.revoked === undefined ? "revoked" : "already-revoked";
    cert.revoked ??= reason;
    this.records.set(context, { serial, outcome, sent: false });
    return { kind: "handled" as const, outcome: outcome as "revoked" | "already-revoked" };
  }
  async recordIntuneRevocation(context: string, serial: string, outcome: RevocationOutcome) {
    if (!this.records.has(context)) this.records.set(context, { serial, outcome, sent: false });
    return this.records.get(context)!.outcome;
  }
  async unsentIntuneRevocations(limit: number) {
    return [...this.records]
      .filter(([, r]) => !r.sent)
      .slice(0, limit)
      .map(([requestContext, r]) => ({ requestContext, serial: r.serial, outcome: r.outcome }));
  }
  async markIntuneRevocationsSent(contexts: string[]) {
    for (const c of contexts) this.records.get(c)!.sent = true;
  }
}

class MemoryState implements SyncStateLedger {
  holder?: { runId: string; startedAt: number; finished: boolean };
  last?: SyncSummary;
  async beginIntuneSync(runId: string, now: number, leaseMs: number) {
    if (this.holder && !this.holder.finished && now - this.holder.startedAt < leaseMs) return false;
    this.holder = { runId, startedAt: now, finished: false };
    return true;
  }
  async finishIntuneSync(runId: string, summary: SyncSummary) {
    if (this.holder?.runId === runId) this.holder.finished = true;
    this.last = summary;
  }
}

function setup(h: Harness, cas: { name: string; ledger: MemoryLedger }[], state = new MemoryState()) {
  const client = h.isolate();
  const run = (trigger = "test") =>
    runRevocationSync(
      {
        client,
        cas: cas.map((c, i) => ({ keyId: `ca${i}`, issuerName: c.name, ledger: c.ledger })),
        state,
        batchSize: 100,
        now: h.clock.now,
        randomUUID: () => crypto.randomUUID(),
        log: () => undefined,
      },
      trigger,
    );
  return { run, state };
}

const CURRENT = "CN=Edge Issuing CA 2,O=Example";
const RETIRED = "CN=Edge Issuing CA 1,O=Example";

describe("runRevocationSync", () => {
  it("revokes in the CA that holds the serial, current or retired, downloading per issuer name", async () => {
    const h = harness();
    const current = new MemoryLedger(["0A11"]);
    const retired = new MemoryLedger(["7B22"]);
    const { run } = setup(h, [
      { name: CURRENT, ledger: current },
      { name: RETIRED, ledger: retired },
    ]);
    const a = h.fake.queueRevocation("0A11", CURRENT);
    const b = h.fake.queueRevocation("7b:22", RETIRED);
    // The fake's cool-down is per app: the second issuer's download in a run comes back empty, so
    // each run starts with another issuer name and every CA's queue gets its turn.
    const first = await run();
    expect(first).toMatchObject({ downloaded: 1, revoked: 1, uploaded: 1, errors: [] });
    h.clock.advance(3600);
    const second = await run();
    expect(second).toMatchObject({ downloaded: 1, revoked: 1, uploaded: 1, errors: [] });
    expect(current.certs.get("0A11")!.revoked).toBe(5);
    expect(retired.certs.get("7B22")!.revoked).toBe(5);
    expect(Object.fromEntries(h.fake.revocations.results.map((r) => [r.requestContext, r.errorCode]))).toEqual({ [a]: "None", [b]: "None" });
    const downloads = h.fake.revocations.downloads.map((d) => d.issuerName);
    expect(downloads).toHaveLength(4);
    expect(downloads[0]).not.toBe(downloads[2]);
    expect(new Set(downloads)).toEqual(new Set([CURRENT, RETIRED]));
  });

  it("answers unknown and malformed serials with the documented failures, recorded in the current CA's ledger", async () => {
    const h = harness();
    const current = new MemoryLedger();
    const { run } = setup(h, [{ name: CURRENT, ledger: current }]);
    const missing = h.fake.queueRevocation("0123456789ABCDEF", CURRENT);
    const junk = h.fake.queueRevocation("not a serial", CURRENT);
    expect(await run()).toMatchObject({ notFound: 1, invalid: 1, revoked: 0, uploaded: 2 });
    expect(Object.fromEntries(h.fake.revocations.results.map((r) => [r.requestContext, r.errorCode]))).toEqual({
      [missing]: "CertificateNotFoundError",
      [junk]: "ParameterDataInvalidError",
    });
    expect([...current.records.values()].every((r) => r.sent)).toBe(true);
  });

  it("keeps the results when a download for one issuer fails, and still uploads the others", async () => {
    const h = harness();
    const current = new MemoryLedger(["0C33"]);
    const { run } = setup(h, [
      { name: CURRENT, ledger: current },
      { name: RETIRED, ledger: new MemoryLedger() },
    ]);
    h.fake.queueRevocation("0C33", CURRENT);
    // An odd hour: this run asks for the retired CA's name first, and that download fails.
    if (Math.floor(h.clock.now() / 3_600_000) % 2 === 0) h.clock.advance(3600);
    h.fake.inject("downloadRevocationRequests", "400", 1);
    const summary = await run();
    expect(summary.errors).toEqual([expect.stringMatching(/^download for CN=Edge Issuing CA 1,O=Example: .*HTTP 400/)]);
    expect(summary).toMatchObject({ downloaded: 1, revoked: 1, uploaded: 1 });
    expect(current.certs.get("0C33")!.revoked).toBe(5);
  });

  it("does not run beside another run, and takes over a run that died after the lease", async () => {
    const h = harness();
    const { run, state } = setup(h, [{ name: CURRENT, ledger: new MemoryLedger() }]);
    state.holder = { runId: "other", startedAt: h.clock.now(), finished: false };
    expect(await run()).toMatchObject({ skipped: "another run holds the sync" });
    expect(h.fake.requestsTo("pki")).toEqual([]);
    h.clock.advance(11 * 60);
    expect((await run()).skipped).toBeUndefined();
  });

  it("sends the reference library's bodies: downloadParameters and results", async () => {
    const h = harness();
    const { run } = setup(h, [{ name: CURRENT, ledger: new MemoryLedger(["0D44"]) }]);
    const context = h.fake.queueRevocation("0D44", CURRENT, { caConfiguration: "edge-ca-config" });
    await run();
    const [download, upload] = h.fake.requestsTo("pki");
    expect(download!.body).toEqual({ downloadParameters: { maxRequests: 100, issuerName: CURRENT } });
    expect(upload!.body).toEqual({ results: [{ requestContext: context, succeeded: true, errorCode: "None", errorMessage: null }] });
    expect(new URL(download!.url).pathname).toBe(`${h.fake.pkiServicePath()}/CertificateAuthorityRequests/downloadRevocationRequests`);
  });

  it("treats an upload answer other than value true as not recorded, and sends again next run", async () => {
    const h = harness();
    const ledger = new MemoryLedger(["0E55"]);
    const { run } = setup(h, [{ name: CURRENT, ledger }]);
    h.fake.queueRevocation("0E55", CURRENT);
    h.fake.inject("uploadRevocationResults", "nonJson", 1);
    expect((await run()).errors.join()).toContain("upload");
    expect([...ledger.records.values()].map((r) => r.sent)).toEqual([false]);
    expect(await run()).toMatchObject({ repeated: 1, uploaded: 1, downloaded: 0 }); // in the cool-down: only the resend
    expect([...ledger.records.values()].map((r) => r.sent)).toEqual([true]);
  });
});

describe("normaliseSerial", () => {
  it.each([
    ["0a11", "0A11"],
    ["A11", "0A11"],
    ["00:0A:11", "0A11"],
    ["7F 00", "7F00"],
    ["", undefined],
    ["00", undefined],
    ["xyz", undefined],
    ["1".repeat(41), undefined],
  ])("%s -> %s", (input, expected) => {
    expect(normaliseSerial(input)).toBe(expected);
  });
});
