// The Microsoft fake: one `(Request) => Promise<Response>` handler standing for the Entra token
// endpoint, Microsoft Graph and the Intune services (ScepActions, the revocation feed), each on its
// own origin as in the real clouds (FAKE_ORIGINS in process; three loopback servers in
// node-server.ts). A request reaches a role only at that role's origin. Usable as Miniflare's
// outboundService, behind vi.spyOn(fetch), as a client's injected fetch, or over HTTP.
import { type MintedChallenge } from "./challenge-check";
import type { FakeCloud } from "./clouds";
import { fakeAdmin } from "./fake-admin";
import { faultResponse, Holds } from "./fake-faults";
import {
  FAKE_CLIENT_ID,
  FAKE_CLIENT_SECRET,
  FAKE_ORIGINS,
  FAKE_TENANT_DOMAIN,
  FAKE_TENANT_ID,
  FakeConnectionReset,
  GRAPH_ROLE,
  odataError,
  SCEP_ROLE,
  type ChallengeOptions,
  type FakeOrigins,
  type FaultKind,
  type FaultTarget,
  type IssuedToken,
  type LoggedRequest,
  type MicrosoftFakeOptions,
  type Notification,
} from "./fake-types";
import { handleGraph, isGraphPath, type DiscoverySwitches } from "./graph-service";
import { handleRevocation, REVOCATION_OPERATIONS, type QueuedRevocation, type RecordedResult } from "./revocation-service";
import { handleScepAction, scepResult, SCEP_ACTIONS } from "./scep-service";
import { handleToken, isTokenPath } from "./token-service";

type Resolved = Required<Omit<MicrosoftFakeOptions, "intuneBaseUrl" | "now" | "origins">> & { cloud: FakeCloud };
type Role = keyof FakeOrigins;

interface PendingFault {
  target: FaultTarget;
  kind: FaultKind;
  remaining: number;
}

export class MicrosoftFake {
  readonly options: Resolved;
  readonly now: () => number;
  origins: FakeOrigins;
  readonly tokens = new Map<string, IssuedToken>();
  /** Token requests answered 200, per scope string. */
  readonly tokenCalls = new Map<string, number>();
  tokenAnswers = 0;
  /** Every client assertion the token endpoint judged, in order. */
  readonly assertions: (
    | { accepted: true; header: Record<string, unknown>; claims: Record<string, unknown> }
    | { accepted: false; description: string }
  )[] = [];
  readonly assertionJtis = new Set<string>();
  readonly challenges = new Map<string, MintedChallenge>();
  readonly validations: { transactionId: string; certificateRequest: string; challenge: string }[] = [];
  readonly notifications: Notification[] = [];
  readonly revocations: {
    queue: QueuedRevocation[];
    results: RecordedResult[];
    downloads: { at: number; maxRequests: number; issuerName: string | null }[];
    lastDownloadAt?: number;
  } = {
    queue: [],
    results: [],
    downloads: [],
  };
  readonly requests: LoggedRequest[] = [];
  readonly discovery: DiscoverySwitches = {
    omitScepEntry: false,
    omitPkiEntry: false,
    nameStyle: "providerName",
    scepEntryLast: false,
    trailingSlash: false,
  };
  /** Code for a challenge the fake never minted (ChallengeDeserializationError, SignatureValidationFailed…). */
  unknownChallengeCode = "ChallengeDecryptionError";
  /** What the previous scale unit answers after moveScaleUnit(). */
  oldScaleUnitAnswer: "404" | "reset" | "503" = "404";
  private scaleUnit = 1;
  private faults: PendingFault[] = [];
  private readonly holds = new Holds(() => this.options.maxHangMs);

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
      cloud: options.cloud ?? "public",
      clientCertificates: options.clientCertificates ?? [],
      maxAssertionSeconds: options.maxAssertionSeconds ?? 600,
      strict: options.strict ?? true,
      discoveryPageSize: options.discoveryPageSize ?? 0,
      maxHangMs: options.maxHangMs ?? 60_000,
    };
    this.origins = { ...FAKE_ORIGINS, ...options.origins, ...(options.intuneBaseUrl ? { intune: options.intuneBaseUrl } : {}) };
    this.setOrigins(this.origins);
  }

  /** Moves the roles (node-server.ts, once its ports are known). */
  setOrigins(origins: Partial<FakeOrigins>): void {
    const o = { ...this.origins, ...origins };
    this.origins = { authority: new URL(o.authority).origin, graph: new URL(o.graph).origin, intune: new URL(o.intune).origin };
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

  /** Queues a revocation request as Intune does when a device is retired or wiped; returns its requestContext. */
  queueRevocation(serialNumber: string, issuerName: string | null, extra: { caConfiguration?: string; requestContext?: string } = {}): string {
    const requestContext = extra.requestContext ?? crypto.randomUUID();
    this.revocations.queue.push({
      requestContext,
      serialNumber,
      issuerName,
      caConfiguration: extra.caConfiguration ?? issuerName,
      downloads: 0,
      answered: false,
    });
    return requestContext;
  }

  /** Ends the 60-minute cool-down now, as if an hour had passed. */
  endCoolDown(): void {
    this.revocations.lastDownloadAt = undefined;
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
    this.holds.holdUntil(target, count, maxWaitMs);
  }

  /** Scale-unit move: discovery now returns new URIs; the old ones answer `oldScaleUnitAnswer`. */
  moveScaleUnit(): void {
    this.scaleUnit++;
  }

  scepServicePath(unit = this.scaleUnit): string {
    return `/su${unit}/RACerts/ScepRequestValidationFEService/Gateway/StatelessScepRequestValidationService`;
  }

  pkiServicePath(unit = this.scaleUnit): string {
    return `/su${unit}/RACerts/PkiConnectorFEService/StatelessPkiConnectorService`;
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
    this.holds.close();
  }

  private rolesAt(origin: string): Role[] {
    return (Object.keys(this.origins) as Role[]).filter((role) => this.origins[role] === origin);
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const raw = request.method === "GET" || request.method === "HEAD" ? "" : new TextDecoder().decode(await request.arrayBuffer());
    const entry: LoggedRequest = {
      service: "unknown",
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      status: 0,
    };
    this.requests.push(entry);
    const finish = (response: Response, code?: string) => {
      entry.status = response.status;
      if (code !== undefined) entry.code = code;
      return response;
    };

    if (path.startsWith("/_fake/")) {
      entry.service = "admin";
      return finish(fakeAdmin(this, request.method, path, raw));
    }
    const roles = this.rolesAt(url.origin);
    // A host none of the roles lives on does not exist, as far as the caller can tell.
    if (roles.length === 0)
      throw new TypeError(
        `fetch failed: getaddrinfo ENOTFOUND ${url.hostname} (the Microsoft fake serves ${Object.values(this.origins).join(", ")})`,
      );
    if (roles.includes("authority") && isTokenPath(path)) {
      entry.service = "token";
      const form = /application\/x-www-form-urlencoded/i.test(request.headers.get("content-type") ?? "") ? new URLSearchParams(raw) : undefined;
      entry.operation = form?.get("scope") ?? undefined;
      if (form) entry.body = Object.fromEntries([...form].map(([k, v]) => [k, k === "client_secret" || k === "client_assertion" ? "[redacted]" : v]));
      const fault = this.takeFault("token");
      if (fault) return finish(await this.fault(fault, request, url, entry));
      return finish(await handleToken(this, request, url, form));
    }
    if (roles.includes("graph") && isGraphPath(path)) {
      entry.service = "graph";
      entry.operation = "endpoints";
      const fault = this.takeFault("discovery");
      if (fault) return finish(await this.fault(fault, request, url, entry));
      return finish(handleGraph(this, request, url));
    }
    const scep = roles.includes("intune") ? /^(.*)\/ScepActions\/([^/]+)$/.exec(path) : null;
    if (scep) return this.scep(request, url, scep[1]!, scep[2]!, raw, entry, finish);
    const pki = roles.includes("intune") ? /^(.*)\/CertificateAuthorityRequests\/([^/]+)$/.exec(path) : null;
    if (pki) {
      entry.service = "pki";
      entry.operation = pki[2];
      entry.body = parseOrText(raw);
      if (pki[1] !== this.pkiServicePath() || !(REVOCATION_OPERATIONS as readonly string[]).includes(pki[2]!)) {
        return finish(new Response("<html><body>404 Not Found</body></html>", { status: 404, headers: { "content-type": "text/html" } }));
      }
      const fault = this.takeFault(pki[2] as FaultTarget);
      if (fault) return finish(await this.fault(fault, request, url, entry));
      return finish(handleRevocation(this, request, url, pki[2]!, raw));
    }
    return finish(odataError(404, "NotFound", `The fake serves no ${request.method} ${path} at ${url.origin}.`));
  }

  private async scep(
    request: Request,
    url: URL,
    prefix: string,
    action: string,
    raw: string,
    entry: LoggedRequest,
    finish: (r: Response, code?: string) => Response,
  ) {
    entry.service = "intune";
    entry.operation = action;
    entry.body = parseOrText(raw);
    if (prefix !== this.scepServicePath()) {
      const known = prefix.endsWith("/RACerts/ScepRequestValidationFEService/Gateway/StatelessScepRequestValidationService");
      if (known && this.oldScaleUnitAnswer === "reset") throw new FakeConnectionReset();
      if (known && this.oldScaleUnitAnswer === "503") return finish(odataError(503, "ServiceUnavailable", "Scale unit moved."));
      return finish(new Response("<html><body>404 Not Found</body></html>", { status: 404, headers: { "content-type": "text/html" } }));
    }
    if (!(SCEP_ACTIONS as readonly string[]).includes(action)) return finish(odataError(404, "NotFound", `No action ${action}.`));
    await this.holds.passGate(action as FaultTarget);
    const fault = this.takeFault(action as FaultTarget) ?? this.takeFault("scep");
    if (fault && fault !== "nullDescription") return finish(await this.fault(fault, request, url, entry));
    const { response, code } = await handleScepAction(this, request, url, action, raw);
    if (fault === "nullDescription" && response.status === 200) return finish(scepResult(url, code, null), code);
    return finish(response, code);
  }

  private takeFault(target: FaultTarget): FaultKind | undefined {
    const i = this.faults.findIndex((f) => f.target === target);
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.remaining <= 0) this.faults.splice(i, 1);
    return f.kind;
  }

  private fault(kind: FaultKind, request: Request, url: URL, entry: LoggedRequest): Promise<Response> {
    return faultResponse(kind, request, url, entry, (r) => this.holds.hang(r));
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
export { scopesOf, type FakeCloud } from "./clouds";
