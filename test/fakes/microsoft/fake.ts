// The Microsoft fake: one `(Request) => Promise<Response>` handler serving the Entra token endpoint,
// the Graph discovery call and the Intune ScepActions service, routed by path (so one origin can
// stand for all three base URLs). Usable as Miniflare's outboundService, behind vi.spyOn(fetch),
// as a client's injected fetch, or over HTTP through node-server.ts.
import { type MintedChallenge } from "./challenge-check";
import {
  FAKE_CLIENT_ID,
  FAKE_CLIENT_SECRET,
  FAKE_TENANT_DOMAIN,
  FAKE_TENANT_ID,
  FakeConnectionReset,
  GRAPH_ROLE,
  json,
  odataError,
  SCEP_ROLE,
  type ChallengeOptions,
  type FaultKind,
  type FaultTarget,
  type IssuedToken,
  type LoggedRequest,
  type MicrosoftFakeOptions,
  type Notification,
} from "./fake-types";
import { handleGraph, isGraphPath, type DiscoverySwitches } from "./graph-service";
import { handleScepAction, scepResult, SCEP_ACTIONS } from "./scep-service";
import { handleToken, isTokenPath } from "./token-service";

type Resolved = Required<Omit<MicrosoftFakeOptions, "intuneBaseUrl" | "now">> & { intuneBaseUrl?: string };

interface PendingFault {
  target: FaultTarget;
  kind: FaultKind;
  remaining: number;
}

interface Gate {
  target: FaultTarget;
  count: number;
  waiting: (() => void)[];
  timer: ReturnType<typeof setTimeout>;
}

export class MicrosoftFake {
  readonly options: Resolved;
  readonly now: () => number;
  readonly tokens = new Map<string, IssuedToken>();
  /** Token requests answered 200, per scope string. */
  readonly tokenCalls = new Map<string, number>();
  tokenAnswers = 0;
  readonly challenges = new Map<string, MintedChallenge>();
  readonly validations: { transactionId: string; certificateRequest: string; challenge: string }[] = [];
  readonly notifications: Notification[] = [];
  readonly requests: LoggedRequest[] = [];
  readonly discovery: DiscoverySwitches = { omitScepEntry: false, nameStyle: "providerName", scepEntryLast: false, trailingSlash: false };
  /** Code for a challenge the fake never minted (ChallengeDeserializationError, SignatureValidationFailed…). */
  unknownChallengeCode = "ChallengeDecryptionError";
  /** What the previous scale unit answers after moveScaleUnit(). */
  oldScaleUnitAnswer: "404" | "reset" | "503" = "404";
  private scaleUnit = 1;
  private faults: PendingFault[] = [];
  private hangs = new Set<() => void>();
  private gates: Gate[] = [];

  constructor(options: MicrosoftFakeOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.options = {
      tenantId: options.tenantId ?? FAKE_TENANT_ID,
      tenantDomain: options.tenantDomain ?? FAKE_TENANT_DOMAIN,
      clientId: options.clientId ?? FAKE_CLIENT_ID,
      clientSecret: options.clientSecret ?? FAKE_CLIENT_SECRET,
      intuneRoles: options.intuneRoles ?? [SCEP_ROLE],
      graphRoles: options.graphRoles ?? [GRAPH_ROLE],
      tokenExpiresIn: options.tokenExpiresIn ?? 3599,
      expiresInFormat: options.expiresInFormat ?? "alternate",
      acceptSingleSlashIntuneScope: options.acceptSingleSlashIntuneScope ?? false,
      strict: options.strict ?? true,
      discoveryPageSize: options.discoveryPageSize ?? 0,
      maxHangMs: options.maxHangMs ?? 60_000,
      ...(options.intuneBaseUrl ? { intuneBaseUrl: options.intuneBaseUrl.replace(/\/+$/, "") } : {}),
    };
  }

  /** The fetch-shaped entry point; builds a fresh Response per call. */
  readonly handler = (request: Request): Promise<Response> => this.handle(request);
  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => this.handle(new Request(input, init));

  /** Registers an Intune challenge and returns the opaque string a device would put in its CSR. */
  mintChallenge(options: ChallengeOptions = {}): string {
    const bytes = crypto.getRandomValues(new Uint8Array(options.size ?? 96));
    const challenge = btoa(String.fromCharCode(...bytes));
    const now = this.now();
    this.challenges.set(challenge, {
      ...options,
      tenantId: options.tenantId ?? this.options.tenantId,
      notBefore: options.notBefore ?? new Date(now - 60_000),
      notAfter: options.notAfter ?? new Date(now + 3_600_000),
      targeted: options.targeted ?? true,
    });
    return challenge;
  }

  /** Queues a fault for the next `times` requests to `target` ("scep" = any ScepActions call). */
  inject(target: FaultTarget, kind: FaultKind, times = 1): void {
    this.faults.push({ target, kind, remaining: times });
  }

  /**
   * Holds every request to `target` ("scep" = any ScepActions call) until `count` of them have
   * arrived, then lets them all proceed: makes races between concurrent requests deterministic.
   * Released anyway after `maxWaitMs`, and by close().
   */
  holdUntil(target: FaultTarget, count: number, maxWaitMs = 15_000): void {
    const gate: Gate = { target, count, waiting: [], timer: setTimeout(() => this.openGate(gate), maxWaitMs) };
    this.gates.push(gate);
  }

  private openGate(gate: Gate): void {
    clearTimeout(gate.timer);
    this.gates = this.gates.filter((g) => g !== gate);
    for (const release of gate.waiting) release();
  }

  private passGate(target: FaultTarget): Promise<void> | undefined {
    const gate = this.gates.find((g) => g.target === target || (g.target === "scep" && (SCEP_ACTIONS as readonly string[]).includes(target)));
    if (!gate) return undefined;
    const arrived = new Promise<void>((resolve) => gate.waiting.push(resolve));
    if (gate.waiting.length >= gate.count) this.openGate(gate);
    return arrived;
  }

  /** Scale-unit move: discovery now returns a new URI; the old one answers `oldScaleUnitAnswer`. */
  moveScaleUnit(): void {
    this.scaleUnit++;
  }

  scepServicePath(unit = this.scaleUnit): string {
    return `/su${unit}/RACerts/ScepRequestValidationFEService/Gateway/StatelessScepRequestValidationService`;
  }

  /** Makes every token issued so far invalid (401 on next use), like a revoked consent. */
  revokeTokens(): void {
    for (const t of this.tokens.values()) t.revoked = true;
  }

  tokenCount(scope: string): number {
    return this.tokenCalls.get(scope) ?? 0;
  }

  requestsTo(service: LoggedRequest["service"], operation?: string): LoggedRequest[] {
    return this.requests.filter((r) => r.service === service && (operation === undefined || r.operation === operation));
  }

  bearer(request: Request): IssuedToken | undefined {
    const m = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "");
    return m ? this.tokens.get(m[1]!) : undefined;
  }

  /** Releases hanging requests (call in afterEach). */
  close(): void {
    for (const release of this.hangs) release();
    this.hangs.clear();
    for (const gate of [...this.gates]) this.openGate(gate);
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const raw = request.method === "GET" || request.method === "HEAD" ? "" : new TextDecoder().decode(await request.arrayBuffer());
    const entry: LoggedRequest = { service: "unknown", method: request.method, url: request.url, headers: Object.fromEntries(request.headers), status: 0 };
    this.requests.push(entry);
    const finish = (response: Response, code?: string) => {
      entry.status = response.status;
      if (code !== undefined) entry.code = code;
      return response;
    };

    if (path.startsWith("/_fake/")) {
      entry.service = "admin";
      return finish(this.admin(request.method, path, raw));
    }
    if (isTokenPath(path)) {
      entry.service = "token";
      const form = /application\/x-www-form-urlencoded/i.test(request.headers.get("content-type") ?? "") ? new URLSearchParams(raw) : undefined;
      entry.operation = form?.get("scope") ?? undefined;
      if (form) entry.body = Object.fromEntries([...form].map(([k, v]) => [k, k === "client_secret" ? "[redacted]" : v]));
      const fault = this.takeFault("token");
      if (fault) return finish(await this.faultResponse(fault, request, url, entry));
      return finish(await handleToken(this, request, path, form));
    }
    if (isGraphPath(path)) {
      entry.service = "graph";
      entry.operation = "endpoints";
      const fault = this.takeFault("discovery");
      if (fault) return finish(await this.faultResponse(fault, request, url, entry));
      return finish(handleGraph(this, request, url));
    }
    const scep = /^(.*)\/ScepActions\/([^/]+)$/.exec(path);
    if (scep) {
      entry.service = "intune";
      entry.operation = scep[2];
      entry.body = parseOrText(raw);
      const action = scep[2]!;
      if (scep[1] !== this.scepServicePath()) {
        const known = scep[1]!.endsWith("/RACerts/ScepRequestValidationFEService/Gateway/StatelessScepRequestValidationService");
        if (known && this.oldScaleUnitAnswer === "reset") throw new FakeConnectionReset();
        if (known && this.oldScaleUnitAnswer === "503") return finish(odataError(503, "ServiceUnavailable", "Scale unit moved."));
        return finish(new Response("<html><body>404 Not Found</body></html>", { status: 404, headers: { "content-type": "text/html" } }));
      }
      if (!(SCEP_ACTIONS as readonly string[]).includes(action)) return finish(odataError(404, "NotFound", `No action ${action}.`));
      await this.passGate(action as FaultTarget);
      const fault = this.takeFault(action as FaultTarget) ?? this.takeFault("scep");
      if (fault && fault !== "nullDescription") return finish(await this.faultResponse(fault, request, url, entry));
      const { response, code } = await handleScepAction(this, request, url, action, raw);
      if (fault === "nullDescription" && response.status === 200) return finish(scepResult(url, code, null), code);
      return finish(response, code);
    }
    return finish(odataError(404, "NotFound", `The fake serves no ${request.method} ${path}.`));
  }

  private takeFault(target: FaultTarget): FaultKind | undefined {
    const i = this.faults.findIndex((f) => f.target === target);
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.remaining <= 0) this.faults.splice(i, 1);
    return f.kind;
  }

  private async faultResponse(kind: FaultKind, request: Request, url: URL, entry: LoggedRequest): Promise<Response> {
    entry.fault = kind;
    switch (kind) {
      case "400":
        return odataError(400, "BadRequest", "Injected bad request.");
      case "401":
        return entry.service === "token"
          ? json(401, { error: "invalid_client", error_description: "AADSTS7000222: The provided client secret keys are expired." })
          : odataError(401, entry.service === "graph" ? "InvalidAuthenticationToken" : "Unauthorized", "Injected 401.");
      case "403":
        return odataError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
      case "404":
        return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } });
      case "500":
        return odataError(500, "InternalError", "An internal server error occurred (injected).");
      case "503":
        return odataError(503, "ServiceUnavailable", "The service is temporarily unavailable (injected).");
      case "hang":
        return this.hang(request);
      case "reset":
        throw new FakeConnectionReset();
      case "nonJson":
        return new Response("<html><body>Service Unavailable</body></html>", { status: 200, headers: { "content-type": "text/html" } });
      case "unknownCode":
        entry.code = "SomeNewCode";
        return scepResult(url, "SomeNewCode", "A code this client has never seen.");
      case "missingCode":
        return scepResult(url, undefined, "");
      case "nullDescription":
        return scepResult(url, "Success", null);
    }
  }

  private hang(request: Request): Promise<Response> {
    return new Promise((resolve, reject) => {
      const release = () => {
        clearTimeout(timer);
        this.hangs.delete(release);
        resolve(new Response("too late", { status: 504 }));
      };
      const timer = setTimeout(release, this.options.maxHangMs);
      this.hangs.add(release);
      request.signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          this.hangs.delete(release);
          reject(request.signal.reason ?? new DOMException("aborted", "AbortError"));
        },
        { once: true },
      );
    });
  }

  private admin(method: string, path: string, raw: string): Response {
    if (method === "POST" && path === "/_fake/challenges") {
      const opts = (raw ? JSON.parse(raw) : {}) as ChallengeOptions & { notBefore?: string; notAfter?: string };
      const challenge = this.mintChallenge({
        ...opts,
        ...(opts.notBefore ? { notBefore: new Date(opts.notBefore) } : {}),
        ...(opts.notAfter ? { notAfter: new Date(opts.notAfter) } : {}),
      });
      return json(201, { challenge });
    }
    if (method === "GET" && path === "/_fake/requests") return json(200, this.requests.filter((r) => r.service !== "admin"));
    if (method === "GET" && path === "/_fake/notifications") return json(200, this.notifications);
    if (method === "POST" && path === "/_fake/faults") {
      const f = JSON.parse(raw) as { target: FaultTarget; kind: FaultKind; times?: number };
      this.inject(f.target, f.kind, f.times ?? 1);
      return new Response(null, { status: 204 });
    }
    if (method === "POST" && path === "/_fake/move") {
      this.moveScaleUnit();
      return json(200, { path: this.scepServicePath() });
    }
    return odataError(404, "NotFound", "Unknown fake admin route.");
  }
}

export function createMicrosoftFake(options?: MicrosoftFakeOptions): MicrosoftFake {
  return new MicrosoftFake(options);
}

function parseOrText(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export * from "./fake-types";
