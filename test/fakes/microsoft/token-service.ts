// Fake Entra v2 token endpoint: POST /{tenant}/oauth2/v2.0/token, client-credentials grant with a
// client secret or a client assertion (assertion-check.ts). It belongs to one cloud and, like Entra,
// refuses a scope whose resource it does not know, another cloud's included (AADSTS500011). Mints
// JWT-shaped tokens the fake remembers (aud, tid, roles, exp) and counts calls per scope. Error
// bodies mimic Entra's (AADSTS codes of docs/intune-validation-api.md).
import { checkAssertion } from "./assertion-check";
import { cloudsOfResource, FAKE_CLOUDS } from "./clouds";
import type { MicrosoftFake } from "./fake";
import { json } from "./fake-types";

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

export function isTokenPath(path: string): boolean {
  return TOKEN_PATH.test(path);
}

export async function handleToken(fake: MicrosoftFake, request: Request, url: URL, form: URLSearchParams | undefined) {
  const tenant = decodeURIComponent(TOKEN_PATH.exec(url.pathname)![1]!);
  const o = fake.options;
  if (request.method !== "POST") return entraError(405, "invalid_request", "AADSTS900561: The endpoint only accepts POST requests.");
  if (!form) return entraError(400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.");
  if (tenant.toLowerCase() !== o.tenantId.toLowerCase() && tenant.toLowerCase() !== o.tenantDomain.toLowerCase()) {
    return entraError(400, "invalid_request", `AADSTS90002: Tenant '${tenant}' not found.`);
  }
  if (form.get("grant_type") !== "client_credentials") {
    return entraError(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.");
  }
  const clientId = form.get("client_id") ?? "";
  if (clientId.toLowerCase() !== o.clientId.toLowerCase()) {
    return entraError(400, "unauthorized_client", `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`);
  }
  const refused = await authenticate(fake, form, `${url.origin}${url.pathname}`);
  if (refused) return refused;
  const scope = form.get("scope") ?? "";
  const aud = audienceOf(fake, scope);
  if (aud === "malformed")
    return entraError(
      400,
      "invalid_scope",
      `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
    );
  if (aud === undefined) {
    const resource = scope.replace(/\/\.default$/, "");
    return entraError(
      400,
      "invalid_resource",
      `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }

  fake.tokenCalls.set(scope, (fake.tokenCalls.get(scope) ?? 0) + 1);
  const expiresIn = o.tokenExpiresIn;
  const issuedAt = Math.floor(fake.now() / 1000);
  const roles = aud === FAKE_CLOUDS[o.cloud].graph ? o.graphRoles : o.intuneRoles;
  const claims = {
    aud,
    iss: `https://sts.windows.net/${o.tenantId}/`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + expiresIn,
    tid: o.tenantId,
    appid: o.clientId,
    roles,
    jti: crypto.randomUUID(),
  };
  const token = [
    b64url(JSON.stringify({ typ: "JWT", alg: "RS256", kid: "fake" })),
    b64url(JSON.stringify(claims)),
    b64url(crypto.randomUUID() + crypto.randomUUID()),
  ].join(".");
  fake.tokens.set(token, { aud, tid: o.tenantId, appid: o.clientId, roles, scope, exp: (issuedAt + expiresIn) * 1000, revoked: false });
  fake.tokenAnswers++;
  const asString = o.expiresInFormat === "string" || (o.expiresInFormat === "alternate" && fake.tokenAnswers % 2 === 0);
  return json(200, {
    token_type: "Bearer",
    expires_in: asString ? String(expiresIn) : expiresIn,
    ext_expires_in: asString ? String(expiresIn) : expiresIn,
    access_token: token,
  });
}

/** The client secret, or a client assertion by a registered certificate; undefined when accepted. */
async function authenticate(fake: MicrosoftFake, form: URLSearchParams, tokenUrl: string): Promise<Response | undefined> {
  const o = fake.options;
  const secret = form.get("client_secret");
  const assertion = form.get("client_assertion");
  if (secret !== null && assertion !== null)
    return entraError(400, "invalid_request", "AADSTS7000218 (fake): send a client_secret or a client_assertion, not both.");
  if (assertion !== null) {
    const verdict = await checkAssertion({
      form,
      tokenUrl,
      clientId: o.clientId,
      certificates: o.clientCertificates,
      nowSeconds: Math.floor(fake.now() / 1000),
      maxLifetimeSeconds: o.maxAssertionSeconds,
      seenJtis: fake.assertionJtis,
    });
    if (!verdict.ok) {
      fake.assertions.push({ accepted: false, description: verdict.description });
      return entraError(401, "invalid_client", verdict.description);
    }
    fake.assertions.push({ accepted: true, header: verdict.header, claims: verdict.claims });
    return undefined;
  }
  if (secret === null)
    return entraError(
      401,
      "invalid_client",
      "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    );
  if (o.clientSecret === "" || secret !== o.clientSecret) {
    return entraError(
      401,
      "invalid_client",
      `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${o.clientId}'.`,
    );
  }
  return undefined;
}

/** The token's audience for a scope of this fake's cloud; undefined for any other resource. */
function audienceOf(fake: MicrosoftFake, scope: string): string | "malformed" | undefined {
  if (!scope.endsWith("/.default") || scope.includes(" ")) return "malformed";
  const resource = scope.slice(0, -"/.default".length);
  const own = FAKE_CLOUDS[fake.options.cloud];
  if (!cloudsOfResource(resource).includes(fake.options.cloud)) return undefined;
  if (resource === own.graph || resource === `${own.graph}/`) return own.graph;
  if (resource === own.intune) return own.intune;
  // The single-slash form (`…microsoft.com/.default`) names the same resource; the reference never sends it.
  if (resource === own.intune.slice(0, -1) && fake.options.acceptSingleSlashIntuneScope) return own.intune;
  return undefined;
}

function entraError(status: number, error: string, description: string): Response {
  const traceId = crypto.randomUUID();
  return json(status, {
    error,
    error_description: `${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${crypto.randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: crypto.randomUUID(),
  });
}

function b64url(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
