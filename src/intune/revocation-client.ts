// Intune's revocation feed for partner CAs (PkiConnectorFEService), as the reference library calls
// it (IntuneRevocationClient.cs / .java and CARequest/*, microsoft/Intune-Resource-Access eae184e):
//   POST {uri}/CertificateAuthorityRequests/downloadRevocationRequests   api-version 5019-05-05
//     {"downloadParameters":{"maxRequests":1..500,"issuerName":"…"}} -> {"value":[CARevocationRequest…]}
//   POST {uri}/CertificateAuthorityRequests/uploadRevocationResults
//     {"results":[CARevocationResult…]} -> {"value":true}
// Microsoft's page (ref-scep-api.md) asks callers to use the library, not this raw OData API, which
// "will be removed in an upcoming API update"; a Worker cannot host the Java or C# library, so this
// is a port of it, kept in this one file (docs/intune-validation-api.md).
import type { IntuneConfig } from "./config";
import { PKI_SERVICE_NAME } from "./discovery";
import { isRecord, parseJson, type HttpOutcome } from "./http-call";
import { odataError } from "./scep-actions";
import { callService, setupFailure, type ServiceCallDeps } from "./service-call";
import type { IntuneLogger } from "./types";

const PKI_API_VERSION = "5019-05-05";
export const MAX_DOWNLOAD = 500;

/** CARevocationRequest. Only requestContext and serialNumber are required by the library. */
export interface RevocationRequest {
  requestContext: string;
  /** As Intune stored it from our successNotification: uppercase hex. "" when the entry had none. */
  serialNumber: string;
  issuerName?: string;
  caConfiguration?: string;
}

/** CARequestErrorCode, by the member names the C# library sends (Java sends their numbers as strings). */
const REVOCATION_ERROR_CODES = {
  None: 0,
  NonRetryableServiceException: 4000,
  ParameterDataInvalidError: 4002,
  CertificateNotFoundError: 4004,
  ConflictError: 4005,
  RetryableServiceException: 4100,
  ServiceUnavailableException: 4101,
} as const;
export type RevocationErrorCode = keyof typeof REVOCATION_ERROR_CODES;

/** CARevocationResult. A success carries errorCode None and no message (the library refuses anything else). */
export interface RevocationResult {
  requestContext: string;
  succeeded: boolean;
  errorCode: RevocationErrorCode;
  errorMessage: string | null;
}

class RevocationCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "RevocationCallError";
  }
}

type Log = IntuneLogger;

async function post(config: IntuneConfig, deps: ServiceCallDeps, log: Log, runId: string, operation: "download" | "upload", body: unknown) {
  const path =
    operation === "download" ? "CertificateAuthorityRequests/downloadRevocationRequests" : "CertificateAuthorityRequests/uploadRevocationResults";
  const call = await callService(
    config,
    deps,
    { service: PKI_SERVICE_NAME, path, apiVersion: PKI_API_VERSION, body },
    (attempt, outcome, clientRequestId) =>
      log("intune.revocation.call", {
        operation,
        runId,
        attempt,
        clientRequestId,
        status: outcome.kind === "response" ? outcome.status : outcome.kind,
      }),
  );
  if (call.kind === "setup-failed") {
    const failed = setupFailure(call.error, call.clientRequestId);
    throw new RevocationCallError(failed.code, failed.description ?? failed.code);
  }
  return answer(call.outcome);
}

function answer(outcome: HttpOutcome): Record<string, unknown> {
  if (outcome.kind !== "response")
    throw new RevocationCallError(outcome.kind === "timeout" ? "Timeout" : "NetworkError", `no answer from Intune (${outcome.kind})`);
  const json = parseJson(outcome.body);
  if (outcome.status < 200 || outcome.status > 299) {
    throw new RevocationCallError(
      `HttpError${outcome.status}`,
      `Intune answered HTTP ${outcome.status}${odataError(json) ? `: ${odataError(json)}` : ""}`,
    );
  }
  if (!isRecord(json) || !("value" in json)) throw new RevocationCallError("NoValue", "Intune's answer has no value property");
  return json;
}

export async function downloadRevocationRequests(
  config: IntuneConfig,
  deps: ServiceCallDeps,
  log: Log,
  input: { runId: string; maxRequests: number; issuerName: string },
): Promise<RevocationRequest[]> {
  const maxRequests = Math.min(Math.max(Math.trunc(input.maxRequests), 1), MAX_DOWNLOAD);
  const json = await post(config, deps, log, input.runId, "download", { downloadParameters: { maxRequests, issuerName: input.issuerName } });
  if (!Array.isArray(json.value)) throw new RevocationCallError("NoValue", "Intune's value is not a list of revocation requests");
  const requests: RevocationRequest[] = [];
  for (const entry of json.value) {
    // Without a requestContext there is nothing to answer: such an entry is only logged.
    if (!isRecord(entry) || typeof entry.requestContext !== "string" || entry.requestContext === "") {
      log("intune.revocation.unusable_entry", { runId: input.runId });
      continue;
    }
    requests.push({
      requestContext: entry.requestContext,
      serialNumber: typeof entry.serialNumber === "string" ? entry.serialNumber : "",
      ...(typeof entry.issuerName === "string" ? { issuerName: entry.issuerName } : {}),
      ...(typeof entry.caConfiguration === "string" ? { caConfiguration: entry.caConfiguration } : {}),
    });
  }
  return requests;
}

export async function uploadRevocationResults(
  config: IntuneConfig,
  deps: ServiceCallDeps,
  log: Log,
  input: { runId: string; results: RevocationResult[] },
): Promise<void> {
  if (input.results.length === 0) return;
  const json = await post(config, deps, log, input.runId, "upload", { results: input.results });
  // C# parses bool.TryParse((string)value), Java getBoolean: both accept true and "true".
  const value = json.value;
  if (value !== true && !(typeof value === "string" && value.toLowerCase() === "true")) {
    throw new RevocationCallError("NotRecorded", "Intune did not record the revocation results (value is not true)");
  }
}
