// An in-memory stand-in for a Workers KV namespace: honours expirationTtl against an injectable
// clock, refuses TTLs under 60 s like the real service, and keeps every write for inspection.
import type { KvLike } from "../../../src/intune/types";

export class MemoryKv implements KvLike {
  readonly entries = new Map<string, { value: string; expiresAt?: number }>();
  readonly puts: { key: string; value: string; expirationTtl?: number }[] = [];
  gets = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  async get(key: string, _type: "text"): Promise<string | null> {
    this.gets++;
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expiresAt !== undefined && e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return e.value;
  }

  async put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void> {
    const ttl = options?.expirationTtl;
    if (ttl !== undefined && (!Number.isFinite(ttl) || ttl < 60)) {
      throw new Error(`KV PUT failed: 400 Invalid expiration_ttl of ${ttl}. Expiration TTL must be at least 60.`);
    }
    if (new TextEncoder().encode(key).length > 512) throw new Error("KV PUT failed: key longer than 512 bytes");
    this.puts.push({ key, value, ...(ttl !== undefined ? { expirationTtl: ttl } : {}) });
    this.entries.set(key, { value, ...(ttl !== undefined ? { expiresAt: this.now() + ttl * 1000 } : {}) });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

/** A settable clock shared by the client, the KV fake and the Microsoft fake. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 5, 1, 12, 0, 0)) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
