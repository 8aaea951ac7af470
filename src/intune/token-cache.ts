// Access tokens per (tenant, client, scope): isolate memory first, then KV (sealed), then Entra.
// Concurrent callers in one isolate share one refresh (single flight). A 401 from Graph or Intune
// calls drop(), which forgets the token in memory and KV so the retry gets a fresh one.
import type { IntuneConfig } from "./config";
import { credentialStatus } from "./credential";
import { requestToken } from "./entra-token";
import { tokenKey, tokenSealingLabels } from "./kv-keys";
import { credentialSealing, deriveSealingKey, open, seal } from "./token-seal";
import type { FetchLike, IntuneLogger, IntuneMemory, KvLike } from "./types";

const TOKEN_MARGIN_SECONDS = 300;
const KV_MIN_TTL_SECONDS = 60;

/**
 * How long a token is used: expires_in minus 300 s, but never more than half its life away, so a
 * short-lived token (tests, unusual tenants) is still used for a while instead of never.
 */
export function usableSeconds(expiresIn: number): number {
  return Math.floor(expiresIn - Math.min(TOKEN_MARGIN_SECONDS, expiresIn / 2));
}

export interface TokenCacheDeps {
  fetch: FetchLike;
  kv: KvLike;
  now: () => number;
  log: IntuneLogger;
  memory: IntuneMemory;
  timeoutMs: number;
  randomUUID: () => string;
}

export class TokenCache {
  private readonly sealingKeys = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly config: IntuneConfig,
    private readonly deps: TokenCacheDeps,
  ) {}

  /** A usable bearer token for `scope`. Throws EntraTokenError when Entra refuses. */
  async get(scope: string): Promise<string> {
    const key = this.key(scope);
    const cached = this.deps.memory.get(key, this.deps.now());
    if (cached !== undefined) return cached;
    return this.deps.memory.singleFlight(key, () => this.load(scope, key));
  }

  async drop(scope: string): Promise<void> {
    const key = this.key(scope);
    this.deps.memory.delete(key);
    try {
      await this.deps.kv.delete(key);
    } catch (err) {
      this.deps.log("intune.token.cache_error", { op: "delete", scope, error: errorName(err) });
    }
  }

  private key(scope: string): string {
    return tokenKey(this.config.tenantId, this.config.clientId, scope);
  }

  private async load(scope: string, key: string): Promise<string> {
    const fromKv = await this.readKv(scope, key);
    if (fromKv) {
      this.deps.memory.set(key, fromKv.accessToken, fromKv.usableUntil);
      return fromKv.accessToken;
    }
    const token = await requestToken(this.config, scope, this.deps.fetch, this.deps.timeoutMs, this.deps);
    const usable = usableSeconds(token.expiresIn);
    const usableUntil = this.deps.now() + usable * 1000;
    this.deps.log("intune.token.issued", { scope, credential: this.config.credential.kind, expiresIn: token.expiresIn, cachedSeconds: usable });
    // Once a token fetch an hour at most: the admin who reads logs learns of an expiring credential.
    const status = credentialStatus(this.config.credential, this.deps.now());
    if (status.warning) this.deps.log("intune.credential.expiring", { ...status });
    this.deps.memory.set(key, token.accessToken, usableUntil);
    if (usable >= KV_MIN_TTL_SECONDS) await this.writeKv(scope, key, { accessToken: token.accessToken, usableUntil }, usable);
    return token.accessToken;
  }

  private async readKv(scope: string, key: string) {
    let stored: string | null;
    try {
      stored = await this.deps.kv.get(key, "text");
    } catch (err) {
      this.deps.log("intune.token.cache_error", { op: "get", scope, error: errorName(err) });
      return undefined;
    }
    if (stored === null) return undefined;
    const token = await open(await this.sealingKey(scope), key, stored);
    if (!token) {
      // Rotated or changed credential, or a foreign value: a miss, and the fresh token overwrites it.
      this.deps.log("intune.token.cache_unreadable", { scope });
      return undefined;
    }
    // KV expiry is eventually consistent; the sealed deadline is authoritative.
    return token.usableUntil > this.deps.now() ? token : undefined;
  }

  private async writeKv(scope: string, key: string, token: { accessToken: string; usableUntil: number }, ttl: number) {
    try {
      const value = await seal(await this.sealingKey(scope), key, token);
      await this.deps.kv.put(key, value, { expirationTtl: ttl });
    } catch (err) {
      this.deps.log("intune.token.cache_error", { op: "put", scope, error: errorName(err) });
    }
  }

  private sealingKey(scope: string): Promise<CryptoKey> {
    let key = this.sealingKeys.get(scope);
    if (!key) {
      key = (async () => {
        const { secret, id } = await credentialSealing(this.config.credential);
        const { salt, info } = tokenSealingLabels(this.config.tenantId, this.config.clientId, scope, id);
        return deriveSealingKey(secret, salt, info);
      })();
      this.sealingKeys.set(scope, key);
    }
    return key;
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : "unknown";
}
