// One admin API request for scripts/admin.ts: bearer token and Access JWT, a timeout, and an error
// that carries the HTTP status and the API's {error, message}.

/** The server refused the request or could not be reached (exit code 1). */
export class RequestFailed extends Error {}

export interface Api {
  base: string;
  token?: string;
  /** A Cloudflare Access JWT (e.g. from `cloudflared access token`), when the admin API sits behind Access. */
  accessToken?: string;
  timeoutMs: number;
}

interface ApiResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  text(): string;
  json(): Record<string, unknown>;
}

export async function call(api: Api, method: string, path: string, body?: unknown, needsToken = true): Promise<ApiResponse> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (needsToken && api.token) headers.authorization = `Bearer ${api.token}`;
  if (needsToken && api.accessToken) headers["cf-access-jwt-assertion"] = api.accessToken;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(api.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(api.timeoutMs),
    });
  } catch (e) {
    const cause = e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
    throw new RequestFailed(`${method} ${api.base}${path}: ${cause}`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = () => new TextDecoder().decode(bytes);
  const response: ApiResponse = {
    status: res.status,
    headers: res.headers,
    bytes,
    text,
    json: () => {
      try {
        return JSON.parse(text()) as Record<string, unknown>;
      } catch {
        throw new RequestFailed(`${method} ${path}: HTTP ${res.status}, response is not JSON: ${text().slice(0, 200)}`);
      }
    },
  };
  if (res.status >= 400) throw new RequestFailed(describeError(method, path, response));
  return response;
}

/** "HTTP 404 not_found: no certificate with serial X" from the API's {error, message}. */
function describeError(method: string, path: string, r: ApiResponse): string {
  let detail = r.text().trim().slice(0, 300);
  try {
    const body = JSON.parse(r.text()) as { error?: string; message?: string };
    if (body.error || body.message) detail = [body.error, body.message].filter(Boolean).join(": ");
  } catch {
    // not JSON: keep the text
  }
  const hint =
    r.status === 401
      ? " (check --token / SCEP_ADMIN_TOKEN)"
      : r.status === 404 && detail.startsWith("admin_disabled")
        ? " (set ADMIN_TOKEN on the Worker)"
        : "";
  return `${method} ${path}: HTTP ${r.status}${detail ? ` ${detail}` : ""}${hint}`;
}
