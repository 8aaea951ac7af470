// One bounded HTTP exchange: request, status and body text inside a single deadline, so a service
// that hangs before or during the body cannot hold an enrollment longer than the timeout.
import type { FetchLike } from "./types";

export const DEFAULT_TIMEOUT_MS = 10_000;

export type HttpOutcome =
  | { kind: "response"; status: number; body: string; contentType: string }
  | { kind: "timeout" }
  | { kind: "network"; message: string };

export async function boundedCall(fetchFn: FetchLike, url: string, init: RequestInit, timeoutMs: number): Promise<HttpOutcome> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A race as well as the signal: a fetch implementation that ignores the signal still cannot hang us.
  const deadline = new Promise<HttpOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException("deadline exceeded", "TimeoutError"));
      resolve({ kind: "timeout" });
    }, timeoutMs);
  });
  const exchange = (async (): Promise<HttpOutcome> => {
    try {
      const response = await fetchFn(url, { ...init, signal: controller.signal });
      const body = await response.text();
      return { kind: "response", status: response.status, body, contentType: response.headers.get("content-type") ?? "" };
    } catch (err) {
      if (controller.signal.aborted) return { kind: "timeout" };
      return { kind: "network", message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  })();
  try {
    return await Promise.race([exchange, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** JSON.parse that answers undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
