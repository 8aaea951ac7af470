// The API the enrollment pipeline uses: validate an Intune challenge (the whole CSR goes to Intune,
// which reads challengePassword itself), then report the issued certificate or the CA's failure.
// Every method answers an IntuneResult and never throws for I/O: `ok: false` means do not issue
// (validateRequest) or do not deliver (successNotification). Order per issue #110:
// validate -> issue -> successNotification -> deliver.
import type { IntuneConfig } from "./config";
import { DiscoveryError, ServiceDiscovery } from "./discovery";
import { EntraTokenError } from "./entra-token";
import { DEFAULT_TIMEOUT_MS } from "./http-call";
import { INTUNE_SCOPE } from "./kv-keys";
import {
  failureBody,
  postScepAction,
  ScepActionInputError,
  successBody,
  validateBody,
  type FailureInput,
  type ScepAction,
  type SuccessInput,
} from "./scep-actions";
import { TokenCache } from "./token-cache";
import { isolateMemory, type IntuneDeps, type IntuneLogger, type IntuneResult } from "./types";

export class IntuneClient {
  private readonly tokens: TokenCache;
  private readonly discovery: ServiceDiscovery;
  private readonly fetchFn: NonNullable<IntuneDeps["fetch"]>;
  private readonly log: IntuneLogger;
  private readonly randomUUID: () => string;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: IntuneConfig,
    deps: IntuneDeps,
  ) {
    this.fetchFn = deps.fetch ?? ((input, init) => fetch(input, init));
    this.log = deps.log ?? (() => undefined);
    this.randomUUID = deps.randomUUID ?? (() => crypto.randomUUID());
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const nowFn = deps.now ?? (() => Date.now());
    const now = () => {
      const t = nowFn();
      return typeof t === "number" ? t : t.getTime();
    };
    const memory = deps.memory ?? isolateMemory;
    const shared = { fetch: this.fetchFn, kv: deps.kv, now, log: this.log, memory, timeoutMs: this.timeoutMs };
    this.tokens = new TokenCache(config, shared);
    this.discovery = new ServiceDiscovery(config, { ...shared, randomUUID: this.randomUUID, tokens: this.tokens });
  }

  /** POST …/ScepActions/validateRequest. Issue only when the result is ok. */
  validateRequest(transactionId: string, csrDer: Uint8Array): Promise<IntuneResult> {
    return this.call("validateRequest", transactionId, () => validateBody(transactionId, csrDer, this.config.callerInfo));
  }

  /** POST …/ScepActions/successNotification. Deliver the certificate only when the result is ok. */
  successNotification(input: SuccessInput): Promise<IntuneResult> {
    return this.call("successNotification", input.transactionId, () => successBody(input, this.config.callerInfo));
  }

  /** POST …/ScepActions/failureNotification, after the CA failed an Intune-validated request. */
  failureNotification(input: FailureInput): Promise<IntuneResult> {
    return this.call("failureNotification", input.transactionId, () => failureBody(input, this.config.callerInfo));
  }

  private async call(action: ScepAction, transactionId: string, build: () => unknown): Promise<IntuneResult> {
    let body: unknown;
    try {
      body = await build();
    } catch (err) {
      if (!(err instanceof ScepActionInputError)) throw err;
      return this.report(action, transactionId, 0, { ok: false, code: "InvalidInput", description: err.message, clientRequestId: "" });
    }
    // One retry at most: after a 401 with a fresh token, after 404/5xx/network with a fresh discovery.
    for (let attempt = 1; ; attempt++) {
      const clientRequestId = this.randomUUID();
      let token: string;
      let uri: string;
      try {
        token = await this.tokens.get(INTUNE_SCOPE);
        uri = await this.discovery.serviceUri();
      } catch (err) {
        return this.report(action, transactionId, attempt, setupFailure(err, clientRequestId));
      }
      const { result, retry } = await postScepAction(this.fetchFn, uri, action, body, token, clientRequestId, this.timeoutMs);
      this.report(action, transactionId, attempt, result);
      if (retry === undefined || attempt >= 2) return result;
      if (retry === "new-token") await this.tokens.drop(INTUNE_SCOPE);
      // A 401 can also mean the tenant moved to another scale unit: rediscover in both cases.
      await this.discovery.forget();
    }
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

function setupFailure(err: unknown, clientRequestId: string): IntuneResult {
  if (err instanceof EntraTokenError) return { ok: false, code: "TokenError", description: err.message, clientRequestId };
  if (err instanceof DiscoveryError) return { ok: false, code: err.code, description: err.message, clientRequestId };
  // Fail closed on anything unforeseen (a KV binding throwing, a bug): no issuance, no crash.
  return { ok: false, code: "InternalError", description: err instanceof Error ? err.name : "unknown", clientRequestId };
}
