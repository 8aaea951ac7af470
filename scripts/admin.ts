// Admin CLI over the Worker's admin API (src/admin/routes.ts), so admins need no curl.
//
//   npx tsx scripts/admin.ts --url https://scep.example.com [--token T] <command> [options]
//   (or: npm run admin -- --url ... <command>)
//
// The token comes from --token or the SCEP_ADMIN_TOKEN environment variable (prefer the variable:
// command lines end up in shell history and in `ps`).
//
// Exit codes: 0 success, 1 the server refused or could not be reached (HTTP status and the API's
// error are printed on stderr), 2 usage error.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { type Api, call, RequestFailed } from "./lib/admin-call";
import { CERT_HEADERS, certificateRow, REASON_NAMES, statsText, table, time } from "./lib/admin-format";

const HELP = `SCEP admin CLI

Usage: npx tsx scripts/admin.ts --url URL [--token T] <command> [options]

Commands:
  stats                                   counts of certificates, pending requests, challenges
  list [--subject S] [--san S] [--status valid|revoked] [--tx ID] [--serial HEX]
       [--from ISO] [--to ISO] [--limit N] [--cursor C | --all] [--json]
                                          issued certificates, newest first (table by default;
                                          --cursor C continues where a page ended; --all follows
                                          the cursor through every page, with progress on stderr)
  show SERIAL [--pem | --der FILE] [--json]
                                          one certificate: details, or its PEM on stdout, or DER to FILE
  revoke SERIAL [--reason NAME|NUMBER]    revoke (default reason: unspecified); e.g. keyCompromise
  pending [--json]                        requests waiting for approval (APPROVAL_MODE=manual)
  approve TXID [--request-key K]          issue a pending request
  reject TXID [--reason TEXT] [--request-key K]
                                          refuse a pending request
  mint-challenge [--ttl SECONDS] [--subject "CN=x"] [--san dns:host.example ...]
                                          the challenge authorises that subject (when given) and exactly
                                          the SANs listed (none when none are)
                                          one-time challenge (CHALLENGE_MODE includes one-time):
                                          only the challenge on stdout, details on stderr
  crl [--out FILE]                        fetch /crl: PEM on stdout, or to FILE (DER, PEM if FILE ends .pem)
  intune-sync [--json]                    run the Intune revocation sync now (the cron runs it hourly):
                                          fetch Intune's revocation requests, revoke, report back

Global options:
  --url URL         the Worker's base URL, e.g. https://scep.example.com (a trailing /scep is dropped)
  --token T         admin bearer token (default: $SCEP_ADMIN_TOKEN)
  --access-token J  Cloudflare Access JWT for an admin API behind Access (default: $SCEP_ACCESS_TOKEN)
  --timeout SEC     per HTTP request (default 30)
  -h, --help

Exit codes: 0 ok, 1 request failed (HTTP status and the API's error on stderr), 2 usage error.
`;

class UsageError extends Error {}

const OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  "access-token": { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  subject: { type: "string" },
  status: { type: "string" },
  tx: { type: "string" },
  serial: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  limit: { type: "string" },
  all: { type: "boolean" },
  cursor: { type: "string" },
  pem: { type: "boolean" },
  der: { type: "string" },
  reason: { type: "string" },
  "request-key": { type: "string" },
  ttl: { type: "string" },
  san: { type: "string", multiple: true },
  out: { type: "string" },
} as const;

type Values = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

function out(s: string): void {
  process.stdout.write(s.endsWith("\n") ? s : s + "\n");
}
function info(s: string): void {
  process.stderr.write(s.endsWith("\n") ? s : s + "\n");
}

// ---------------------------------------------------------------------------------------------
// commands

function serialArg(positionals: string[], command: string): string {
  const serial = positionals[0];
  if (!serial) throw new UsageError(`${command}: SERIAL is required`);
  const clean = serial.replace(/[:\s]/g, "");
  if (!/^[0-9A-Fa-f]{1,64}$/.test(clean)) throw new UsageError(`${command}: SERIAL must be hex (got "${serial}")`);
  return clean.toUpperCase();
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}

async function stats(api: Api, v: Values): Promise<void> {
  const body = (await call(api, "GET", "/admin/stats")).json();
  if (v.json) return out(JSON.stringify(body, null, 2));
  out(statsText(body));
}

async function intuneSync(api: Api, v: Values): Promise<void> {
  const s = (await call(api, "POST", "/admin/intune/sync", {})).json() as Record<string, unknown>;
  if (v.json) return out(JSON.stringify(s, null, 2));
  const n = (k: string) => Number(s[k] ?? 0);
  out(
    `downloaded ${n("downloaded")}: revoked ${n("revoked")}, already revoked ${n("alreadyRevoked")}, not ours ${n("notFound")}, invalid ${n("invalid")}; repeated ${n("repeated")}; results uploaded ${n("uploaded")}`,
  );
  const errors = Array.isArray(s.errors) ? (s.errors as string[]) : [];
  for (const e of errors) info(`error: ${e}`);
  if (errors.length) throw new RequestFailed("the sync stopped short; its results are kept and sent on the next run");
}

async function list(api: Api, v: Values): Promise<void> {
  const q = new URLSearchParams();
  if (v.subject) q.set("subject", v.subject);
  if (v.san?.length) q.set("san", v.san[0]!); // (the option repeats for mint-challenge)
  if (v.cursor && v.all) throw new UsageError("--cursor and --all: use one (--all starts at the first page)");
  if (v.status) {
    if (v.status !== "valid" && v.status !== "revoked") throw new UsageError("--status must be valid or revoked");
    q.set("status", v.status);
  }
  if (v.tx) q.set("transactionId", v.tx);
  if (v.serial) q.set("serial", v.serial.replace(/[:\s]/g, "").toUpperCase());
  for (const k of ["from", "to"] as const) {
    const val = v[k];
    if (val === undefined) continue;
    if (!/^\d+$/.test(val) && !Number.isFinite(Date.parse(val))) throw new UsageError(`--${k} must be an ISO 8601 time`);
    q.set(k, val);
  }
  const limit = v.limit ? positiveInt(v.limit, "limit") : v.all ? 100 : undefined;
  if (limit) q.set("limit", String(limit));

  const items: Record<string, unknown>[] = [];
  let cursor: string | undefined = v.cursor;
  let pages = 0;
  do {
    if (cursor) q.set("cursor", cursor);
    const page = (await call(api, "GET", `/admin/certificates?${q}`)).json() as { items?: Record<string, unknown>[]; cursor?: string };
    items.push(...(page.items ?? []));
    cursor = page.cursor;
    pages++;
    // A long listing says how far it got, on stderr (stdout stays the table or the JSON).
    if (v.all && cursor) info(`page ${pages}: ${items.length} certificate(s) so far...`);
    if (pages > 100_000) throw new RequestFailed("the cursor never ends; giving up");
  } while (v.all && cursor);

  if (v.json) return out(JSON.stringify(v.all ? { items } : { items, cursor }, null, 2));
  out(table(CERT_HEADERS, items.map(certificateRow)).trimEnd());
  info(`${items.length} certificate(s)${v.all ? ` in ${pages} page(s)` : ""}`);
  if (!v.all && cursor) info(`more results: repeat with --cursor ${cursor} (the next page) or --all`);
}

async function show(api: Api, v: Values, positionals: string[]): Promise<void> {
  const serial = serialArg(positionals, "show");
  if (v.pem && v.der) throw new UsageError("show: use --pem or --der FILE, not both");
  if (v.pem) return out((await call(api, "GET", `/admin/certificates/${serial}?format=pem`)).text());
  if (v.der) {
    const r = await call(api, "GET", `/admin/certificates/${serial}?format=der`);
    await writeFile(v.der, r.bytes);
    return info(`wrote ${r.bytes.length} bytes (DER) to ${v.der}`);
  }
  const c = (await call(api, "GET", `/admin/certificates/${serial}`)).json();
  if (v.json) return out(JSON.stringify(c, null, 2));
  const rows: [string, unknown][] = [
    ["serial", c.serial],
    ["subject", c.subject],
    ["sans", c.sans || "-"],
    ["status", c.status],
    ["not before", time(c.notBefore)],
    ["not after", time(c.notAfter)],
    ["issued", time(c.createdAt)],
    ["transaction", c.transactionId],
    ["sha256", c.sha256],
    ["delivered", c.delivered],
  ];
  if (c.status === "revoked") {
    rows.push(["revoked at", time(c.revokedAt)], ["reason", REASON_NAMES[c.revocationReason as number] ?? c.revocationReason]);
  }
  out(rows.map(([k, val]) => `${k.padEnd(12)} ${val}`).join("\n"));
}

async function revoke(api: Api, v: Values, positionals: string[]): Promise<void> {
  const serial = serialArg(positionals, "revoke");
  const reason = v.reason === undefined ? undefined : /^\d+$/.test(v.reason) ? Number(v.reason) : v.reason;
  const body = (await call(api, "POST", `/admin/certificates/${serial}/revoke`, reason === undefined ? {} : { reason })).json();
  if (v.json) return out(JSON.stringify(body, null, 2));
  const name = REASON_NAMES[body.reason as number] ?? String(body.reason);
  out(body.alreadyRevoked ? `${body.serial} was already revoked` : `revoked ${body.serial} (${name})`);
}

async function pending(api: Api, v: Values): Promise<void> {
  const body = (await call(api, "GET", "/admin/pending")).json() as { items?: Record<string, unknown>[] };
  const items = body.items ?? [];
  if (v.json) return out(JSON.stringify(body, null, 2));
  out(
    table(
      ["TRANSACTION", "REQUEST KEY", "SUBJECT", "CHALLENGE", "SINCE"],
      items.map((p) => [String(p.transactionId), String(p.requestKey || "-"), String(p.subject), String(p.challengeKind), time(p.createdAt)]),
    ).trimEnd(),
  );
  info(`${items.length} pending request(s)`);
}

async function decide(api: Api, v: Values, positionals: string[], action: "approve" | "reject"): Promise<void> {
  const transactionId = positionals[0];
  if (!transactionId) throw new UsageError(`${action}: TXID is required`);
  const payload: Record<string, string> = { transactionId };
  if (v["request-key"]) payload.requestKey = v["request-key"];
  if (action === "reject" && v.reason) payload.reason = v.reason;
  const body = (await call(api, "POST", `/admin/pending/${action}`, payload)).json();
  if (v.json) return out(JSON.stringify(body, null, 2));
  out(action === "approve" ? `approved ${transactionId}: issued serial ${body.serial}` : `rejected ${transactionId}`);
}

async function mintChallenge(api: Api, v: Values): Promise<void> {
  const payload: Record<string, unknown> = {};
  if (v.ttl !== undefined) payload.ttlSeconds = positiveInt(v.ttl, "ttl");
  if (v.subject !== undefined) payload.subject = v.subject;
  if (v.san !== undefined) payload.sans = v.san;
  const body = (await call(api, "POST", "/admin/challenges", payload)).json();
  if (typeof body.challenge !== "string") throw new RequestFailed("POST /admin/challenges: no challenge in the response");
  // Only the secret on stdout, so `C=$(... mint-challenge)` captures exactly it.
  out(body.challenge);
  const sans = Array.isArray(body.sans) && body.sans.length ? `SANs ${body.sans.join(", ")}` : "no SANs";
  info(`expires ${body.expiresAt}${body.subject ? `, only for subject ${body.subject}` : ", any subject"}, ${sans}, single use`);
}

async function crl(api: Api, v: Values): Promise<void> {
  const wantPem = !v.out || v.out.toLowerCase().endsWith(".pem");
  const r = await call(api, "GET", wantPem ? "/crl?format=pem" : "/crl", undefined, false);
  const number = /"crl-(\d+)"/.exec(r.headers.get("etag") ?? "")?.[1];
  if (v.out) {
    await writeFile(v.out, r.bytes);
    info(`wrote ${r.bytes.length} bytes (${wantPem ? "PEM" : "DER"}) to ${v.out}${number ? `, CRL number ${number}` : ""}`);
  } else {
    out(r.text());
    if (number) info(`CRL number ${number}`);
  }
}

// ---------------------------------------------------------------------------------------------

/** One line on stderr and exit code 2, as every script does for a bad command line. */
function usage(message: string): number {
  info(`admin: ${message} (see --help)`);
  return 2;
}

function baseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url: not a URL: ${raw}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError("--url must be http(s)");
  const path = url.pathname.replace(/\/+$/, "").replace(/\/(scep|admin)$/, "");
  return url.origin + path;
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    return usage(e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, "") : String(e));
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    out(HELP);
    return 0;
  }
  if (positionals.length === 0)
    return usage("a command is required: stats, list, show, revoke, pending, approve, reject, mint-challenge, crl, intune-sync");
  const [command, ...rest] = positionals as [string, ...string[]];
  try {
    if (!v.url) throw new UsageError("--url is required");
    const token = v.token ?? process.env.SCEP_ADMIN_TOKEN;
    const accessToken = v["access-token"] ?? process.env.SCEP_ACCESS_TOKEN;
    const api: Api = { base: baseUrl(v.url), token, accessToken, timeoutMs: (v.timeout ? positiveInt(v.timeout, "timeout") : 30) * 1000 };
    if (command !== "crl" && !token && !accessToken) {
      throw new UsageError("credentials are required: --token T or SCEP_ADMIN_TOKEN (and/or --access-token J for Cloudflare Access)");
    }
    switch (command) {
      case "stats":
        await stats(api, v);
        break;
      case "list":
        await list(api, v);
        break;
      case "show":
        await show(api, v, rest);
        break;
      case "revoke":
        await revoke(api, v, rest);
        break;
      case "pending":
        await pending(api, v);
        break;
      case "approve":
      case "reject":
        await decide(api, v, rest, command);
        break;
      case "mint-challenge":
        await mintChallenge(api, v);
        break;
      case "crl":
        await crl(api, v);
        break;
      case "intune-sync":
        await intuneSync(api, v);
        break;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    if (e instanceof RequestFailed) {
      info(`error: ${e.message}`);
      return 1;
    }
    info(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    info(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
