// docs/configuration.md, wrangler.toml and the code agree on the settings: the settings table
// (src/settings/table.ts) is the source; this fails when a setting is added, renamed, moved between
// secret and var or between parts, or given another default in one place only.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLOUDS } from "../../src/intune/clouds";
import { DEFAULT_CALLER_INFO, DEFAULT_REVOCATION_BATCH, MAX_DISCOVERY_TTL_SECONDS, parseIntuneConfig } from "../../src/intune/config";
import { BINDINGS, RATE_LIMIT_PERIOD_SECONDS, RATE_LIMITS, SETTINGS, type SettingSpec } from "../../src/settings/table";
import { REPO_ROOT, wranglerRateLimits, wranglerVars } from "../../scripts/lib/wrangler-config";

interface DocRow {
  section: string;
  names: string[];
  cells: string[];
}

/** The rows of the tables under `## Secrets`, `## Vars` and `## Bindings` (or the sections named). */
function docRows(sections = ["Secrets", "Vars", "Bindings"]): DocRow[] {
  const rows: DocRow[] = [];
  let section = "";
  for (const line of readFileSync(join(REPO_ROOT, "docs/configuration.md"), "utf8").split("\n")) {
    if (line.startsWith("## ")) section = line.slice(3).trim();
    if (!sections.includes(section) || !line.startsWith("| `")) continue;
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    rows.push({ section, names: [...cells[0]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!), cells });
  }
  return rows;
}

/** The default column as the table writes it: `value`, or – when there is none. */
function docDefault(cell: string): string | undefined {
  if (cell.startsWith("–")) return undefined;
  const m = /^`([^`]*)`$/.exec(cell);
  return m ? m[1] : cell;
}

const rows = docRows();
const documented = new Map<string, { row: DocRow }>();
for (const row of rows) for (const name of row.names) documented.set(name, { row });

describe("docs/configuration.md lists exactly the settings of src/settings/table.ts", () => {
  it("the same names, no more and no fewer", () => {
    const docNames = rows
      .filter((r) => r.section !== "Bindings")
      .flatMap((r) => r.names)
      .sort();
    expect(docNames).toEqual(SETTINGS.map((s) => s.name).sort());
  });

  it.each(SETTINGS.map((s) => [s.name, s] as [string, SettingSpec]))("%s: section, part and default", (name, spec) => {
    const found = documented.get(name);
    expect(found, `${name} is not in docs/configuration.md`).toBeDefined();
    const { row } = found!;
    expect(row.section).toBe(spec.kind === "secret" ? "Secrets" : "Vars");
    expect(row.cells[1]).toBe(spec.part);
    if (spec.kind === "var") expect(docDefault(row.cells[2]!)).toBe(spec.default);
  });

  it("the bindings", () => {
    const docBindings = rows.filter((r) => r.section === "Bindings");
    expect(docBindings.map((r) => r.names[0])).toEqual(BINDINGS.map((b) => b.name));
    for (const b of BINDINGS) expect(docBindings.find((r) => r.names[0] === b.name)?.cells[1]).toBe(b.type);
  });
});

describe("wrangler.toml and the code use the table", () => {
  it("every [vars] entry of wrangler.toml is a var of the table", () => {
    const vars = new Set<string>(SETTINGS.filter((s) => s.kind === "var").map((s) => s.name));
    for (const name of Object.keys(wranglerVars())) expect(vars.has(name), `${name} in wrangler.toml`).toBe(true);
  });

  it("the Intune client's defaults are the documented ones", () => {
    const d = (name: string) => (SETTINGS as readonly SettingSpec[]).find((s) => s.name === name)!.default;
    expect(d("INTUNE_DISCOVERY_TTL_SECONDS")).toBe(String(MAX_DISCOVERY_TTL_SECONDS));
    expect(d("INTUNE_REVOCATION_BATCH")).toBe(String(DEFAULT_REVOCATION_BATCH));
    expect(DEFAULT_CALLER_INFO).toMatch(new RegExp(`^${d("INTUNE_CALLER_INFO")!.replace("<version>", "\\d+\\.\\d+")}$`));
    // The three URLs default to the INTUNE_CLOUD preset: with nothing set, the documented cloud's.
    const parsed = parseIntuneConfig({
      INTUNE_TENANT_ID: "11111111-2222-4333-8444-555555555555",
      INTUNE_CLIENT_ID: "66666666-7777-4888-9999-aaaaaaaaaaaa",
      INTUNE_CLIENT_SECRET: "s",
    });
    expect(parsed.cloud).toBe(d("INTUNE_CLOUD"));
    expect(parsed.revocation.enabled).toBe(d("INTUNE_REVOCATION_SYNC") === "on");
    for (const name of ["ENTRA_AUTHORITY_URL", "GRAPH_BASE_URL", "INTUNE_RESOURCE_URL"]) expect(d(name)).toBe("the cloud's");
  });

  it("the national clouds table shows every INTUNE_CLOUD preset as src/intune/clouds.ts has it", () => {
    const presets = docRows(["National clouds (`INTUNE_CLOUD`)"]).map((r) => r.cells.map((c) => /`([^`]*)`/.exec(c)?.[1]));
    expect(presets).toEqual(Object.entries(CLOUDS).map(([name, p]) => [name, p.authorityUrl, p.graphBaseUrl, p.intuneResourceUrl]));
  });

  it("every setting is read by src/ and every env.X that src/ reads is a setting or a binding", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts")) files.push(readFileSync(p, "utf8"));
      }
    };
    walk(join(REPO_ROOT, "src"));
    const source = files.join("\n");
    const known = new Set<string>([...SETTINGS.map((s) => s.name), ...BINDINGS.map((b) => b.name), ...RATE_LIMITS.map((r) => r.name)]);
    for (const spec of SETTINGS) expect(source.includes(spec.name), `${spec.name} is never read`).toBe(true);
    for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)\b/g)) expect(known.has(m[1]!), `env.${m[1]} is not in the settings table`).toBe(true);
  });
});

describe("the rate limits: src/settings/table.ts, wrangler.toml [[ratelimits]] and docs/configuration.md agree", () => {
  it("wrangler.toml ships every limiter of the table, with its namespace, limit and a 60 s period", () => {
    expect(wranglerRateLimits()).toEqual(
      RATE_LIMITS.map((r) => ({ name: r.name, namespaceId: r.namespaceId, limit: r.limit, period: RATE_LIMIT_PERIOD_SECONDS })),
    );
  });

  it("the docs list the same limiters with the same defaults", () => {
    const documented = docRows(["Rate limits"]).map((r) => ({ name: r.names[0], default: r.cells[1] }));
    expect(documented).toEqual(RATE_LIMITS.map((r) => ({ name: r.name, default: `\`${r.limit}\` per ${RATE_LIMIT_PERIOD_SECONDS} s` })));
  });
});
