// OAuth 2.0 client-credentials grant against Entra's v2 token endpoint (RFC 6749 §4.4), as the
// MSAL-era reference library does (MsalClient.cs, MSALClientWrapper.java): one scope per token,
// authenticated by the client secret or by a client assertion signed with the app certificate.
import { ASSERTION_TYPE, clientAssertion } from "./client-assertion";
import type { IntuneConfig } from "./config";
import { boundedCall, isRecord, parseJson } from "./http-call";
import type { FetchLike } from "./types";

export interface AccessToken {
  accessToken: string;
  /** Seconds, as Entra sent it (v2 sends a number, v1 and some proxies a string). */
  expiresIn: number;
}

/** A failed token request: Entra's `error` and `error_description`, never the secret or the assertion. */
export class EntraTokenError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly error: string,
    readonly errorDescription: string | undefined,
  ) {
    super(`Entra token request failed${status ? ` (HTTP ${status})` : ""}: ${error}${errorDescription ? `: ${errorDescription}` : ""}`);
    this.name = "EntraTokenError";
  }
}

function tokenEndpoint(config: IntuneConfig): string {
  return `${config.authorityUrl}/${encodeURIComponent(config.tenantId)}/oauth2/v2.0/token`;
}

export async function requestToken(
  config: IntuneConfig,
  scope: string,
  fetchFn: FetchLike,
  timeoutMs: number,
  clock: { now: () => number; randomUUID: () => string },
): Promise<AccessToken> {
  const form = new URLSearchParams({ grant_type: "client_credentials", client_id: config.clientId, scope });
  // The credential in the form is what must never reach a log or an error text.
  let credential: string;
  if (config.credential.kind === "secret") {
    credential = config.credential.secret;
    form.set("client_secret", credential);
  } else {
    credential = await clientAssertion(config.credential, {
      clientId: config.clientId,
      audience: tokenEndpoint(config),
      nowMs: clock.now(),
      jti: clock.randomUUID(),
    });
    form.set("client_assertion_type", ASSERTION_TYPE);
    form.set("client_assertion", credential);
  }
  const outcome = await boundedCall(
    fetchFn,
    tokenEndpoint(config),
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
    },
    timeoutMs,
  );
  const redact = (text: string | undefined) => text?.split(credential).join("[redacted]");
  if (outcome.kind === "timeout") throw new EntraTokenError(undefined, "timeout", `no answer within ${timeoutMs} ms`);
  if (outcome.kind === "network") throw new EntraTokenError(undefined, "network_error", redact(outcome.message));

  const json = parseJson(outcome.body);
  if (outcome.status < 200 || outcome.status > 299) {
    const error = isRecord(json) && typeof json.error === "string" ? json.error : `http_${outcome.status}`;
    const description = isRecord(json) && typeof json.error_description === "string" ? json.error_description : undefined;
    // AADSTS descriptions end in a multi-line trace; the first line is what an admin needs.
    throw new EntraTokenError(outcome.status, redact(error)!, redact(description?.split(/\r?\n/)[0]));
  }
  if (!isRecord(json) || typeof json.access_token !== "string" || json.access_token === "") {
    throw new EntraTokenError(outcome.status, "invalid_token_response", "no access_token in the answer");
  }
  const expiresIn = typeof json.expires_in === "string" ? Number(json.expires_in) : json.expires_in;
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new EntraTokenError(outcome.status, "invalid_token_response", "expires_in missing or not a positive number");
  }
  return { accessToken: json.access_token, expiresIn };
}
