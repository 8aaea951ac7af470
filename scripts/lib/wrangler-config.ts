// wrangler.toml is the one place the Worker's compatibility date and default vars are written; the
// vitest projects, the Miniflare harness and the benchmarks read them from there. A flat reader of
// the lines they need (`key = "value"`), since Node has no TOML parser and wrangler's is internal.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER_TOML = resolve(REPO_ROOT, "wrangler.toml");

function tomlLines(path: string): { table: string; key: string; value: string }[] {
  const out: { table: string; key: string; value: string }[] = [];
  let table = "";
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      table = line;
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

/** The [vars] table of wrangler.toml (flat `KEY = "value"` lines only), as defaults. */
export function wranglerVars(tomlPath = WRANGLER_TOML): Record<string, string> {
  return Object.fromEntries(
    tomlLines(tomlPath)
      .filter((l) => l.table === "[vars]")
      .map((l) => [l.key, l.value]),
  );
}
