// wrangler.toml is the one place the Worker's compatibility date and default vars are written; the
// vitest projects, the Miniflare harness and the benchmarks read them from there. A flat reader of
// the lines they need (`key = "value"`, and `"""` multi-line strings for a PEM), since Node has no
// TOML parser and wrangler's is internal.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER_TOML = resolve(REPO_ROOT, "wrangler.toml");

function tomlLines(path: string): { table: string; key: string; value: string }[] {
  const out: { table: string; key: string; value: string }[] = [];
  let table = "";
  const lines = readFileSync(path, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith("[")) {
      table = line;
      continue;
    }
    // A multi-line basic string (a PEM such as CA_CERT): the newline right after """ is dropped.
    const multi = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"""(.*)$/.exec(line);
    if (multi) {
      const parts = [multi[2]!];
      while (!parts[parts.length - 1]!.includes('"""') && i + 1 < lines.length) parts.push(lines[++i]!);
      const text = parts.join("\n");
      out.push({ table, key: multi[1]!, value: text.slice(0, text.indexOf('"""')).replace(/^\n/, "") });
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"/.exec(line);
    if (m) out.push({ table, key: m[1]!, value: m[2]! });
  }
  return out;
}

/** compatibility_date of wrangler.toml (workerd refuses dates more than ~7 days past its release). */
export function compatibilityDate(tomlPath = WRANGLER_TOML): string {
  const date = tomlLines(tomlPath).find((l) => l.table === "" && l.key === "compatibility_date")?.value;
  if (!date) throw new Error(`no compatibility_date in ${tomlPath}`);
  return date;
}

/** The [vars] table of wrangler.toml (`KEY = "value"` and `KEY = """…"""` lines), as defaults. */
export function wranglerVars(tomlPath = WRANGLER_TOML): Record<string, string> {
  return Object.fromEntries(
    tomlLines(tomlPath)
      .filter((l) => l.table === "[vars]")
      .map((l) => [l.key, l.value]),
  );
}

/** TOML basic string (https://toml.io/en/v1.0.0#string): backslash, quote and control characters escaped. */
function tomlString(value: string): string {
  return `"${value.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => (c === "\\" || c === '"' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`))}"`;
}

/**
 * wrangler.toml text with `KEY = "value"` set in [vars]: an existing line of that key is replaced,
 * a new one goes after the table's last line. Everything else (comments, order) stays as it was.
 */
export function withVars(toml: string, vars: Record<string, string>): string {
  const lines = toml.split("\n");
  let start = lines.findIndex((l) => l.trim() === "[vars]");
  if (start < 0) {
    lines.push("", "[vars]");
    start = lines.length - 1;
  }
  let end = start + 1;
  while (end < lines.length && !lines[end]!.trim().startsWith("[")) end++;
  // Blank and comment lines before the next table belong to that table.
  while (end > start + 1 && (lines[end - 1]!.trim() === "" || lines[end - 1]!.trim().startsWith("#"))) end--;
  for (const [key, value] of Object.entries(vars)) {
    const line = `${key} = ${tomlString(value)}`;
    const at = lines.findIndex((l, i) => i > start && i < end && new RegExp(`^\\s*${key}\\s*=`).test(l));
    if (at >= 0) lines[at] = line;
    else lines.splice(end++, 0, line);
  }
  return lines.join("\n");
}

export interface RateLimitConfig {
  name: string;
  namespaceId: string;
  limit: number;
  period: number;
}

/** The [[ratelimits]] tables of wrangler.toml (`name`, `namespace_id`, `simple = { limit, period }`). */
export function wranglerRateLimits(tomlPath = WRANGLER_TOML): RateLimitConfig[] {
  const out: RateLimitConfig[] = [];
  let current: Partial<RateLimitConfig> | undefined;
  for (const raw of readFileSync(tomlPath, "utf8").split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      current = line === "[[ratelimits]]" ? {} : undefined;
      if (current) out.push(current as RateLimitConfig);
      continue;
    }
    if (!current) continue;
    const text = /^(name|namespace_id)\s*=\s*"([^"]*)"/.exec(line);
    if (text) current[text[1] === "name" ? "name" : "namespaceId"] = text[2]!;
    const simple = /^simple\s*=\s*\{\s*limit\s*=\s*(\d+)\s*,\s*period\s*=\s*(\d+)\s*\}/.exec(line);
    if (simple) Object.assign(current, { limit: Number(simple[1]), period: Number(simple[2]) });
  }
  return out;
}

/**
 * wrangler.toml's [[ratelimits]] as Miniflare takes them (each one counts in Miniflare as on
 * Cloudflare), limits overridden by name; a limit of 0 leaves the binding out.
 */
export function rateLimitBindings(overrides: Record<string, number> = {}) {
  const entries = wranglerRateLimits()
    .map((r) => ({ ...r, limit: overrides[r.name] ?? r.limit }))
    .filter((r) => r.limit > 0)
    .map((r) => [r.name, { namespace_id: r.namespaceId, simple: { limit: r.limit, period: r.period as 10 | 60 } }]);
  return Object.fromEntries(entries) as Record<string, { namespace_id: string; simple: { limit: number; period: 10 | 60 } }>;
}
