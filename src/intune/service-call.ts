// One call to an Intune service found through discovery (ScepRequestValidationFEService,
// PkiConnectorFEService): Intune token, service URI, POST with the reference library's headers
// (IntuneClient.cs PostAsync: Bearer token, client-request-id = a new GUID per call, api-version),
// and at most one retry: after a 401 with a fresh token, after 404/5xx/network with a fresh
// discovery (a 401 can also mean the tenant moved to another scale unit, so both rediscover).
import type { IntuneConfig } from "./config";
import { DiscoveryError, type ServiceDiscovery } from "./discovery";
import { EntraTokenError } from "./entra-token";
import { boundedCall, type HttpOutcome } from "./http-call";
import type { IntuneService } from "./kv-keys";
import type { TokenCache } from "./token-cache";
import type { FetchLike, IntuneResult } from "./types";

export type RetryHint = "new-token" | "rediscover" | undefined;

function retryHintFor(outcome: HttpOutcome): RetryHint {
  if (outcome.kind === "network") return "rediscover";
  if (outcome.kind === "timeout") return undefined;
  if (outcome.status === 401) return "new-token";
  if (outcome.status === 404 || outcome.status >= 500) return "rediscover";
  return undefined;
}

export interface ServiceCallDeps {
  fetch: FetchLike;
  randomUUID: () => string;
  timeoutMs: number;
  tokens: TokenCache;
  discovery: ServiceDiscovery;
}

export type CallOutcome =
  | { kind: "answered"; outcome: HttpOutcome; clientRequestId: string; attempt: number }
  /** No request reached the service: the token or the discovery failed (EntraTokenError, DiscoveryError, …). */
  | { kind: "setup-failed"; error: unknown; clientRequestId: string; attempt: number };

export async function callService(
  config: IntuneConfig,
  deps: ServiceCallDeps,
  request: { service: IntuneService; path: string; apiVersion: string; body: unknown },
  /** Sees every attempt's answer (for logs); the last one is also returned. */
  onAttempt: (attempt: number, outcome: HttpOutcome, clientRequestId: string) => void,
  /** An answer that must not be retried even if its status says so (e.g. a business refusal). */
  final: (outcome: HttpOutcome) => boolean = () => false,
): Promise<CallOutcome> {
  for (let attempt = 1; ; attempt++) {
    const clientRequestId = deps.randomUUID();
    let token: string;
    let uri: string;
    try {
      // The reference's order (IntuneClient.cs PostAsync): find the service, then the Intune token.
      uri = await deps.discovery.serviceUri(request.service);
      token = await deps.tokens.get(config.intuneScope);
    } catch (error) {
      return { kind: "setup-failed", error, clientRequestId, attempt };
    }
    const outcome = await boundedCall(
      deps.fetch,
      `${uri}/${request.path}`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "api-version": request.apiVersion,
          "client-request-id": clientRequestId,
          "content-type": "application/json",
          accept: "application/json",
        },
        body: JSON.stringify(request.body),
      },
      deps.timeoutMs,
    );
    onAttempt(attempt, outcome, clientRequestId);
    const retry = final(outcome) ? undefined : retryHintFor(outcome);
    if (retry === undefined || attempt >= 2) return { kind: "answered", outcome, clientRequestId, attempt };
    if (retry === "new-token") await deps.tokens.drop(config.intuneScope);
    await deps.discovery.forget(request.service);
  }
}

/** What a call that never reached the service answers (no token, no service URI, a bug). */
export function setupFailure(err: unknown, clientRequestId: string): Extract<IntuneResult, { ok: false }> {
  if (err instanceof EntraTokenError) return { ok: false, code: "TokenError", description: err.message, clientRequestId };
  if (err instanceof DiscoveryError) return { ok: false, code: err.code, description: err.message, clientRequestId };
  // Fail closed on anything unforeseen (a KV binding throwing, a bug): no issuance, no crash.
  return { ok: false, code: "InternalError", description: err instanceof Error ? err.name : "unknown", clientRequestId };
}
