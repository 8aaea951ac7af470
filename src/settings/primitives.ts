// Parsers for single settings. Each failure names the setting and the rule, never the value
// (settings include secrets, and a typo of one may be close to one).
import { SettingError } from "../util/setting-error";

export { SettingError };

export function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === "") return false;
  const v = value.trim().toLowerCase();
  if (v === "true" || v === "1" || v === "yes") return true;
  if (v === "false" || v === "0" || v === "no") return false;
  throw new SettingError(name, "not a boolean: use true or false");
}

export function parseInteger(name: string, value: string | undefined, fallback: number, min: number, max: number): number;
export function parseInteger(name: string, value: string | undefined, fallback: undefined, min: number, max: number): number | undefined;
export function parseInteger(name: string, value: string | undefined, fallback: number | undefined, min: number, max: number): number | undefined {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < min || n > max) throw new SettingError(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/** A comma list whose every item is one of `allowed` (case-insensitive, spaces ignored). */
export function parseList<T extends string>(name: string, value: string, allowed: readonly T[]): T[] {
  const items = value
    .split(",")
    .map((m) => m.trim().toLowerCase())
    .filter(Boolean);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new SettingError(name, `unknown value (use ${allowed.join(", ")})`);
  }
  return items as T[];
}

/** https only, except plain http to a loopback host for local development. Returns it without a trailing slash. */
export function parseBaseUrl(name: string, value: string | undefined): string | undefined {
  if (!value?.trim()) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new SettingError(name, "not a URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new SettingError(name, "must be https (plain http only for a loopback host)");
  }
  return url.href.replace(/\/+$/, "");
}

/** 127.0.0.0/8, localhost and [::1]: hosts a development setup may reach over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host === "[::1]") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
