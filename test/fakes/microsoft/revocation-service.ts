// Fake Intune revocation feed (PkiConnectorFEService), modelled on IntuneRevocationClient.cs/.java
// and Microsoft's API page: revocation requests queued per tenant (test-only POST
// /_fake/revocations), downloaded at most once per 60-minute cool-down (a download inside it answers
// an empty list and does not restart it: whether the real one restarts is not documented), results
// recorded by requestContext. A request whose result was never uploaded is offered again after the
// cool-down, as a queue that waits for an answer would.
import { isRecord } from "./body-shapes";
import type { MicrosoftFake } from "./fake";
import { json, odataError, SCEP_ROLE } from "./fake-types";
import { FAKE_CLOUDS } from "./clouds";

const PKI_API_VERSION = "5019-05-05";
export const REVOCATION_OPERATIONS = ["downloadRevocationRequests", "uploadRevocationResults"] as const;
const COOL_DOWN_MS = 60 * 60_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** C# sends CARequestErrorCode member names, Java their numbers as strings: both are accepted. */
const ERROR_CODES: Record<string, string> = {
  "0": "None",
  "4000": "NonRetryableServiceException",
  "4001": "DataSerializationError",
  "4002": "ParameterDataInvalidError",
  "4003": "CryptographyError",
  "4004": "CertificateNotFoundError",
  "4005": "ConflictError",
  "4006": "NotSupportedError",
  "4007": "PayloadTooLargeError",
  "4100": "RetryableServiceException",
  "4101": "ServiceUnavailableException",
  "4102": "ServiceTooBusyException",
  "4103": "AuthenticationException",
};

export interface QueuedRevocation {
  requestContext: string;
  serialNumber: string;
  issuerName: string | null;
  caConfiguration: string | null;
  downloads: number;
  answered: boolean;
}

export interface RecordedResult {
  requestContext: string;
  succeeded: boolean;
  /** Normalised to the member name. */
  errorCode: string;
  errorMessage: string | null;
}

export function handleRevocation(fake: MicrosoftFake, request: Request, url: URL, operation: string, rawBody: string): Response {
  if (request.method !== "POST") return odataError(405, "MethodNotAllowed", "Only POST is supported.");
  const token = fake.bearer(request);
  if (!token || token.aud !== FAKE_CLOUDS[fake.options.cloud].intune || token.exp <= fake.now() || token.revoked) {
    return odataError(401, "Unauthorized", "The access token is missing, expired or has the wrong audience.");
  }
  if (!token.roles.includes(SCEP_ROLE)) return odataError(401, "Unauthorized", "The application lacks the scep_challenge_provider role.");
  if (fake.options.strict) {
    if (request.headers.get("api-version") !== PKI_API_VERSION) return odataError(400, "BadRequest", `api-version header must be ${PKI_API_VERSION}`);
    if (!GUID.test(request.headers.get("client-request-id") ?? "")) return odataError(400, "BadRequest", "client-request-id header must be a GUID");
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return odataError(400, "BadRequest", "The request body is not valid JSON.");
  }
  const context = `${url.origin}/RACerts/StatelessPkiConnectorService/$metadata`;
  return operation === "downloadRevocationRequests" ? download(fake, body, context) : upload(fake, body, context);
}

function download(fake: MicrosoftFake, body: unknown, context: string): Response {
  const p = isRecord(body) && isRecord(body.downloadParameters) ? body.downloadParameters : undefined;
  const max = p?.maxRequests;
  if (!p || typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > 500) {
    return odataError(400, "BadRequest", "downloadParameters.maxRequests must be an integer from 1 to 500.");
  }
  const issuer = p.issuerName;
  if (issuer !== null && issuer !== undefined && (typeof issuer !== "string" || issuer.length > 256)) {
    return odataError(400, "BadRequest", "downloadParameters.issuerName must be null or a string of at most 256 characters.");
  }
  const state = fake.revocations;
  const now = fake.now();
  state.downloads.push({ at: now, maxRequests: max, issuerName: issuer ?? null });
  if (state.lastDownloadAt !== undefined && now - state.lastDownloadAt < COOL_DOWN_MS) {
    return json(200, { "@odata.context": `${context}#Collection(microsoft.management.services.api.caRevocationRequest)`, value: [] });
  }
  state.lastDownloadAt = now;
  const picked = state.queue.filter((q) => !q.answered && (issuer == null || q.issuerName === issuer)).slice(0, max);
  for (const q of picked) q.downloads++;
  return json(200, {
    "@odata.context": `${context}#Collection(microsoft.management.services.api.caRevocationRequest)`,
    value: picked.map(({ requestContext, serialNumber, issuerName, caConfiguration }) => ({
      requestContext,
      serialNumber,
      issuerName,
      caConfiguration,
    })),
  });
}

function upload(fake: MicrosoftFake, body: unknown, context: string): Response {
  const results = isRecord(body) && Array.isArray(body.results) ? body.results : undefined;
  if (!results || results.length === 0) return odataError(400, "BadRequest", "results must be a non-empty list.");
  const recorded: RecordedResult[] = [];
  for (const r of results) {
    if (!isRecord(r) || typeof r.requestContext !== "string" || typeof r.succeeded !== "boolean") {
      return odataError(400, "BadRequest", "Each result needs requestContext (string) and succeeded (boolean).");
    }
    const code =
      typeof r.errorCode === "string"
        ? (ERROR_CODES[r.errorCode] ?? (Object.values(ERROR_CODES).includes(r.errorCode) ? r.errorCode : undefined))
        : undefined;
    if (code === undefined) return odataError(400, "BadRequest", `Unknown errorCode ${String(r.errorCode)}.`);
    // CARevocationResult's own rule: a success carries no error code.
    if (r.succeeded !== (code === "None")) return odataError(400, "BadRequest", "succeeded must be true exactly when errorCode is None.");
    const queued = fake.revocations.queue.find((q) => q.requestContext === r.requestContext);
    if (!queued && fake.options.strict) return odataError(400, "BadRequest", `Unknown requestContext ${r.requestContext}.`);
    recorded.push({
      requestContext: r.requestContext,
      succeeded: r.succeeded,
      errorCode: code,
      errorMessage: typeof r.errorMessage === "string" ? r.errorMessage : null,
    });
  }
  for (const r of recorded) {
    fake.revocations.results.push(r);
    const queued = fake.revocations.queue.find((q) => q.requestContext === r.requestContext);
    if (queued) queued.answered = true;
  }
  return json(200, { "@odata.context": `${context}#Edm.Boolean`, value: true });
}
