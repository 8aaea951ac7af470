// JSON responses and request bodies of the admin API, with clear error shapes.

/** An admin API refusal: HTTP status, a stable error code, and a message for the operator. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "AdminError";
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, null, 2) + "\n", {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

export function errorResponse(e: AdminError): Response {
  return json(e.status, { error: e.code, message: e.message });
}

export async function readJson(request: Request, maxBytes = 16384): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.length > maxBytes) throw new AdminError(413, "too_large", "request body too large");
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AdminError(400, "bad_json", "request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AdminError(400, "bad_json", "request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
