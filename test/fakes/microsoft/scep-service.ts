// Fake Intune SCEP validation service: POST {uri}/ScepActions/{validateRequest|successNotification|
// failureNotification}. Checks the token (audience, tenant, role), the headers and the body shape,
// then answers HTTP 200 {"@odata.context","code","errorDescription"} like the real service.
import { checkBody, decodeBase64, wrapperOf } from "./body-shapes";
import { judge } from "./challenge-check";
import type { MicrosoftFake } from "./fake";
import { FAKE_CLOUDS } from "./clouds";
import { json, odataError, SCEP_ROLE } from "./fake-types";

export const SCEP_ACTIONS = ["validateRequest", "successNotification", "failureNotification"] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function scepResult(url: URL, code: string | undefined, errorDescription: string | null): Response {
  const body: Record<string, unknown> = {
    "@odata.context": `${url.origin}/RACerts/StatelessScepRequestValidationService/${crypto.randomUUID()}/$metadata#microsoft.management.services.scepRequestValidationService.api.scepActionResult`,
  };
  if (code !== undefined) body.code = code;
  body.errorDescription = errorDescription;
  return json(200, body);
}

/** Returns the response and, for a 200, the business code (for the request log). */
export async function handleScepAction(
  fake: MicrosoftFake,
  request: Request,
  url: URL,
  action: string,
  rawBody: string,
): Promise<{ response: Response; code?: string }> {
  if (request.method !== "POST") return { response: odataError(405, "MethodNotAllowed", "Only POST is supported.") };
  const token = fake.bearer(request);
  if (!token || token.aud !== FAKE_CLOUDS[fake.options.cloud].intune || token.exp <= fake.now() || token.revoked) {
    return { response: odataError(401, "Unauthorized", "The access token is missing, expired or has the wrong audience.") };
  }
  if (!token.roles.includes(SCEP_ROLE)) {
    return { response: odataError(401, "Unauthorized", "The application lacks the scep_challenge_provider role.") };
  }
  const strict = fake.options.strict;
  if (strict) {
    const problem = headerProblem(request);
    if (problem) return { response: odataError(400, "BadRequest", problem) };
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { response: odataError(400, "BadRequest", "The request body is not valid JSON.") };
  }
  const shapeProblem = checkBody(action, body, strict);
  if (shapeProblem) return { response: odataError(400, "BadRequest", shapeProblem) };
  const inner = (body as Record<string, Record<string, unknown>>)[wrapperOf(action)]!;
  const clientRequestId = request.headers.get("client-request-id") ?? "";
  const csrB64 = String(inner.certificateRequest);

  if (action === "validateRequest") {
    const verdict = await judge(decodeBase64(csrB64), (c) => fake.challenges.get(c), token.tid, fake.now(), fake.unknownChallengeCode);
    if (verdict.code === "Success") {
      fake.validations.push({ transactionId: String(inner.transactionId), certificateRequest: csrB64, challenge: verdict.challenge! });
    }
    return { response: scepResult(url, verdict.code, verdict.description), code: verdict.code };
  }
  if (strict && action === "successNotification") {
    const validated = fake.validations.some((v) => v.transactionId === inner.transactionId && v.certificateRequest === csrB64);
    if (!validated) {
      return { response: odataError(400, "BadRequest", "No successful validateRequest for this transactionId and certificateRequest.") };
    }
  }
  fake.notifications.push({ kind: action === "successNotification" ? "success" : "failure", clientRequestId, notification: inner });
  return { response: scepResult(url, "Success", ""), code: "Success" };
}

function headerProblem(request: Request): string | undefined {
  const apiVersion = request.headers.get("api-version");
  if (apiVersion !== "2018-02-20") return `api-version header must be 2018-02-20 (got ${apiVersion ?? "none"})`;
  const id = request.headers.get("client-request-id");
  if (!id || !GUID.test(id)) return "client-request-id header must be a GUID";
  const type = (request.headers.get("content-type") ?? "").toLowerCase().replace(/\s+/g, "");
  if (type !== "application/json" && type !== "application/json;charset=utf-8") return "Content-Type must be application/json";
  return undefined;
}
