// Finds Intune's services: Microsoft Graph lists the endpoints of the Intune service principal
// (appId 0000000a-…), among them ScepRequestValidationFEService (validation, notifications) and
// PkiConnectorFEService (revocation requests) (IntuneServiceLocationProvider.cs, IntuneClient.java
// RefreshServiceMap, IntuneRevocationClient.cs). Each URI is cached in isolate memory and KV for
// INTUNE_DISCOVERY_TTL_SECONDS and dropped by the client when the service stops answering there
// (scale-unit move).
import { checkServiceUrl, type IntuneConfig } from "./config";
import { boundedCall, isRecord, parseJson } from "./http-call";
import { discoveryKey, type IntuneService } from "./kv-keys";
import type { TokenCache } from "./token-cache";
import type { FetchLike, IntuneLogger, IntuneMemory, KvLike } from "./types";

const INTUNE_APP_ID = "0000000a-0000-0000-c000-000000000000";
export const SCEP_SERVICE_NAME: IntuneService = "ScepRequestValidationFEService";
export const PKI_SERVICE_NAME: IntuneService = "PkiConnectorFEService";
const MAX_PAGES = 20;

export class DiscoveryError extends Error {
  constructor(
    /** "ServiceNotFound" when Graph answered without the entry, else "DiscoveryFailed". */
    readonly code: "ServiceNotFound" | "DiscoveryFailed",
    message: string,
  ) {
    super(message);
    this.name = "DiscoveryError";
  }
}

export interface DiscoveryDeps {
  fetch: FetchLike;
  kv: KvLike;
  now: () => number;
  log: IntuneLogger;
  memory: IntuneMemory;
  randomUUID: () => string;
  timeoutMs: number;
  tokens: TokenCache;
}

export class ServiceDiscovery {
  constructor(
    private readonly config: IntuneConfig,
    private readonly deps: DiscoveryDeps,
  ) {}

  /** The service URI without a trailing slash. Throws DiscoveryError or EntraTokenError. */
  async serviceUri(service: IntuneService = SCEP_SERVICE_NAME): Promise<string> {
    const key = discoveryKey(this.config.tenantId, this.config.graphBaseUrl, service);
    const cached = this.deps.memory.get(key, this.deps.now());
    if (cached !== undefined) return cached;
    return this.deps.memory.singleFlight(key, async () => {
      const stored = await this.deps.kv.get(key, "text").catch(() => null);
      const checked = stored === null ? undefined : checkServiceUrl(stored);
      if (checked?.ok) {
        this.deps.memory.set(key, checked.url, this.expiry());
        return checked.url;
      }
      const uri = await this.discoverWithTokenRetry(service);
      this.deps.memory.set(key, uri, this.expiry());
      await this.deps.kv
        .put(key, uri, { expirationTtl: this.config.discoveryTtlSeconds })
        .catch((err: unknown) => this.deps.log("intune.discovery.cache_error", { op: "put", error: String(err) }));
      return uri;
    });
  }

  /** Forgets the URI (memory and KV) so the next call asks Graph again. */
  async forget(service: IntuneService = SCEP_SERVICE_NAME): Promise<void> {
    const key = discoveryKey(this.config.tenantId, this.config.graphBaseUrl, service);
    this.deps.memory.delete(key);
    await this.deps.kv.delete(key).catch(() => undefined);
  }

  private expiry(): number {
    return this.deps.now() + this.config.discoveryTtlSeconds * 1000;
  }

  private async discoverWithTokenRetry(service: IntuneService): Promise<string> {
    const first = await this.discover(service);
    if (first !== "unauthorized") return first;
    // The cached Graph token may predate the Application.Read.All consent or be revoked.
    await this.deps.tokens.drop(this.config.graphScope);
    const second = await this.discover(service);
    if (second !== "unauthorized") return second;
    throw new DiscoveryError("DiscoveryFailed", "Graph answered 401 twice (check the app's Graph permission)");
  }

  private async discover(service: IntuneService): Promise<string | "unauthorized"> {
    const token = await this.deps.tokens.get(this.config.graphScope);
    let url: string | undefined = `${this.config.graphBaseUrl}/v1.0/servicePrincipals/appId=${INTUNE_APP_ID}/endpoints`;
    const origin = new URL(this.config.graphBaseUrl).origin;
    for (let page = 0; url !== undefined; page++) {
      if (page >= MAX_PAGES) throw new DiscoveryError("DiscoveryFailed", `more than ${MAX_PAGES} pages of endpoints`);
      const clientRequestId = this.deps.randomUUID();
      const outcome = await boundedCall(
        this.deps.fetch,
        url,
        { method: "GET", headers: { authorization: `Bearer ${token}`, "client-request-id": clientRequestId, accept: "application/json" } },
        this.deps.timeoutMs,
      );
      const status = outcome.kind === "response" ? outcome.status : outcome.kind;
      this.deps.log("intune.discovery.call", { service, page, status, clientRequestId });
      if (outcome.kind !== "response") throw new DiscoveryError("DiscoveryFailed", `Graph: ${outcome.kind}`);
      if (outcome.status === 401) return "unauthorized";
      const json = parseJson(outcome.body);
      if (outcome.status < 200 || outcome.status > 299) {
        throw new DiscoveryError("DiscoveryFailed", `Graph answered HTTP ${outcome.status}${graphErrorCode(json)}`);
      }
      if (!isRecord(json) || !Array.isArray(json.value)) {
        throw new DiscoveryError("DiscoveryFailed", "Graph answer has no value array");
      }
      const uri = pickServiceUri(json.value, service);
      if (uri !== undefined) {
        const checked = checkServiceUrl(uri);
        if (!checked.ok) throw new DiscoveryError("DiscoveryFailed", `unusable service URI: ${checked.reason}`);
        this.deps.log("intune.discovery.found", { service, clientRequestId });
        return checked.url;
      }
      const next = json["@odata.nextLink"];
      url = typeof next === "string" ? new URL(next, origin).href : undefined;
      // The bearer token goes only to the configured Graph origin.
      if (url !== undefined && new URL(url).origin !== origin) {
        throw new DiscoveryError("DiscoveryFailed", "@odata.nextLink points outside GRAPH_BASE_URL");
      }
    }
    throw new DiscoveryError("ServiceNotFound", `no ${service} among the Intune service endpoints`);
  }
}

/** First entry whose providerName (else serviceName) is `service`, case-insensitively. */
function pickServiceUri(entries: unknown[], service: IntuneService): string | undefined {
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    const name = typeof entry.providerName === "string" ? entry.providerName : entry.serviceName;
    if (typeof name === "string" && name.toLowerCase() === service.toLowerCase() && typeof entry.uri === "string") {
      return entry.uri;
    }
  }
  return undefined;
}

function graphErrorCode(json: unknown): string {
  if (isRecord(json) && isRecord(json.error) && typeof json.error.code === "string") return ` (${json.error.code})`;
  return "";
}
