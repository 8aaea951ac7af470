// The API the enrollment pipeline uses: validate an Intune challenge (the whole CSR goes to Intune,
// which reads challengePassword itself), then report the issued certificate or the CA's failure.
// Every method answers an IntuneResult and never throws for I/O: `ok: false` means do not issue
// (validateRequest) or do not deliver (successNotification). Order per issue #110:
// validate -> issue -> successNotification -> deliver.
import type { IntuneConfig } from "./config";
import { SCEP_SERVICE_NAME, ServiceDiscovery } from "./discovery";
import { DEFAULT_TIMEOUT_MS } from "./http-call";
import { downloadRevocationRequests, uploadRevocationResults, type RevocationRequest, type RevocationResult } from "./revocation-client";
import {
  API_VERSION,
  failureBody,
  interpret,
  ScepActionInputError,
  successBody,
  validateBody,
  type FailureInput,
  type ScepAction,
  type SuccessInput,
} from "./scep-actions";
import { callService, setupFailure, type ServiceCallDeps } from "./service-call";
import { TokenCache } from "./token-cache";
import { isolateMemory, type IntuneDeps, type IntuneLogger, type IntuneResult } from "./types";

export class IntuneClient {
  private readonly calls: ServiceCallDeps;
  private readonly log: IntuneLogger;

  constructor(
    private readonly config: IntuneConfig,
    deps: IntuneDeps,
  ) {
    const fetchFn = deps.fetch ?? ((input, init) => fetch(input, init));
    this.log = deps.log ?? (() => undefined);
    const randomUUID = deps.randomUUID ?? (() => crypto.randomUUID());
    const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const nowFn = deps.now ?? (() => Date.now());
    const now = () => {
      const t = nowFn();
      return typeof t === "number" ? t : t.getTime();
    };
    const memory = deps.memory ?? isolateMemory;
    const shared = { fetch: fetchFn, kv: deps.kv, now, log: this.log, memory, timeoutMs, randomUUID };
    const tokens = new TokenCache(config, shared);
    const discovery = new ServiceDiscovery(config, { ...shared, tokens });
    this.calls = { fetch: fetchFn, randomUUID, timeoutMs, tokens, discovery };
  }

  /** POST …/ScepActions/validateRequest. Issue only when the result is ok. */
  validateRequest(transactionId: string, csrDer: Uint8Array): Promise<IntuneResult> {
    return this.scepAction("validateRequest", transactionId, () => validateBody(transactionId, csrDer, this.config.callerInfo));
  }

  /** POST …/ScepActions/successNotification. Deliver the certificate only when the result is ok. */
  successNotification(input: SuccessInput): Promise<IntuneResult> {
    return this.scepAction("successNotification", input.transactionId, () => successBody(input, this.config.callerInfo));
  }

  /** POST …/ScepActions/failureNotification, after the CA failed (or an admin refused) an Intune-validated request. */
  failureNotification(input: FailureInput): Promise<IntuneResult> {
    return this.scepAction("failureNotification", input.transactionId, () => failureBody(input, this.config.callerInfo));
  }

  /** PkiConnectorFEService …/downloadRevocationRequests (revocation-client.ts). Throws RevocationCallError. */
  downloadRevocationRequests(runId: string, maxRequests: number, issuerName: string): Promise<RevocationRequest[]> {
    return downloadRevocationRequests(this.config, this.calls, this.log, { runId, maxRequests, issuerName });
  }

  /** PkiConnectorFEService …/uploadRevocationResults. Throws RevocationCallError unless Intune answered true. */
  uploadRevocationResults(runId: string, results: RevocationResult[]): Promise<void> {
    return uploadRevocationResults(this.config, this.calls, this.log, { runId, results });
  }

  private async scepAction(action: ScepAction, transactionId: string, build: () => unknown): Promise<IntuneResult> {
    let body: unknown;
    try {
      body = await build();
    } catch (err) {
      if (!(err instanceof ScepActionInputError)) throw err;
      return this.report(action, transactionId, 0, { ok: false, code: "InvalidInput", description: err.message, clientRequestId: "" });
    }
    const call = await callService(
      this.config,
      this.calls,
      { service: SCEP_SERVICE_NAME, path: `ScepActions/${action}`, apiVersion: API_VERSION, body },
      (attempt, outcome, clientRequestId) => {
        if (outcome.kind !== "response" || outcome.status < 200 || outcome.status > 299)
          this.report(action, transactionId, attempt, interpret(outcome, clientRequestId));
      },
    );
    if (call.kind === "setup-failed") return this.report(action, transactionId, call.attempt, setupFailure(call.error, call.clientRequestId));
    const result = interpret(call.outcome, call.clientRequestId);
    // Failed attempts were reported as they happened; a 2xx answer is reported here, once.
    if (call.outcome.kind === "response" && call.outcome.status >= 200 && call.outcome.status <= 299)
      this.report(action, transactionId, call.attempt, result);
    return result;
  }

  private report(action: ScepAction, transactionId: string, attempt: number, result: IntuneResult): IntuneResult {
    this.log("intune.scep_action", {
      action,
      transactionId,
      clientRequestId: result.clientRequestId,
      attempt,
      ok: result.ok,
      code: result.code,
      ...(!result.ok && result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
      ...(result.description !== undefined ? { description: result.description } : {}),
    });
    return result;
  }
}
