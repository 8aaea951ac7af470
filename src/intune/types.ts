// Ports and results of the Intune challenge-validation client. The enrollment pipeline wires in
// the Worker's fetch, KV binding, clock and logger; tests wire in fakes.

/** The slice of a Workers KV namespace the caches use (a real `KVNamespace` fits). */
export interface KvLike {
  get(key: string, type: "text"): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** One structured log line. Never receives tokens, secrets, challenges or CSRs. */
export type IntuneLogger = (event: string, fields: Record<string, unknown>) => void;

export interface IntuneDeps {
  fetch?: FetchLike;
  kv: KvLike;
  /** Wall clock, epoch milliseconds or a Date. */
  now?: () => number | Date;
  log?: IntuneLogger;
  /** A v4 GUID per outgoing call (client-request-id). */
  randomUUID?: () => string;
  /** Per-HTTP-call timeout; default 10 000 ms. */
  timeoutMs?: number;
  /**
   * Isolate-memory caches (tokens, discovery, in-flight refreshes). Defaults to one module-level
   * instance, so every IntuneClient in an isolate shares it; tests pass a fresh one per "isolate".
   */
  memory?: IntuneMemory;
}

/** The outcome of one ScepActions operation. Only `ok: true` allows issuing / delivering. */
export type IntuneResult =
  | { ok: true; code: string; description?: string; clientRequestId: string }
  | {
      ok: false;
      /**
       * Intune's own code (e.g. "ChallengeExpired", "SubjectNameMismatch", "SomeNewCode") or a
       * synthetic one: "Timeout", "NetworkError", "HttpError<status>", "NonJsonResponse",
       * "MissingCode", "TokenError", "DiscoveryFailed", "ServiceNotFound", "InvalidInput".
       */
      code: string;
      description?: string;
      /** client-request-id of the last call made ("" when no call to Intune was made). */
      clientRequestId: string;
      /** HTTP status of Intune's answer, when there was one. */
      httpStatus?: number;
    };

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** Per-isolate state: cached values plus single-flight promises keyed like the KV entries. */
export class IntuneMemory {
  readonly values = new Map<string, Expiring<string>>();
  readonly inflight = new Map<string, Promise<string>>();

  get(key: string, now: number): string | undefined {
    const hit = this.values.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= now) {
      this.values.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: string, value: string, expiresAt: number): void {
    this.values.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  /** Runs `load` once per key at a time; concurrent callers share its promise. */
  singleFlight(key: string, load: () => Promise<string>): Promise<string> {
    const running = this.inflight.get(key);
    if (running) return running;
    const promise = load().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }
}

export const isolateMemory = new IntuneMemory();
