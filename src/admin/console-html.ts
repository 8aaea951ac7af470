// HTML for the admin console: a tagged template that escapes every interpolated value unless it
// is already Html, the page layout, and the headers every console answer carries. Server-rendered
// pages and plain forms: the console works without JavaScript (console.js only ticks countdowns and
// asks before a revocation), so the Content-Security-Policy can forbid every inline script and style.
import type { ConsoleSession } from "./console-session";

export class Html {
  constructor(readonly text: string) {}
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(value: Part): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** html`<p>${text}</p>`: text is escaped, Html is kept, arrays are joined, null/undefined/false vanish. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/**
 * No inline script or style anywhere; forms post only to this origin; never framed. Inline SVG
 * (the chart) uses presentation attributes, which CSP does not treat as styles.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

export function htmlResponse(status: number, body: Html, headers: Record<string, string> = {}): Response {
  return new Response(`<!doctype html>\n${body.text}`, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", ...SECURITY_HEADERS, ...headers },
  });
}

export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, ...SECURITY_HEADERS, ...headers } });
}

export type Section = "overview" | "certificates" | "pending" | "challenges" | "none";

const NAV: [Section, string, string][] = [
  ["overview", "/admin/", "Overview"],
  ["certificates", "/admin/console/certificates", "Certificates"],
  ["pending", "/admin/console/pending", "Approvals"],
  ["challenges", "/admin/console/challenges", "Challenges"],
];

/** The page frame; with a session, the navigation and the sign-out form (which carries the CSRF token). */
export function layout(title: string, section: Section, body: Html, session?: ConsoleSession): Html {
  const nav = session
    ? html`<nav aria-label="Sections">
        ${NAV.map(([id, href, label]) => html`<a href="${href}"${id === section ? new Html(' aria-current="page"') : ""}>${label}</a>`)}
        <form method="post" action="/admin/console/logout" class="logout">
          <input type="hidden" name="csrf" value="${session.csrf}" />
          <button type="submit">Sign out</button>
        </form>
      </nav>`
    : "";
  return html`<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="referrer" content="same-origin" />
<link rel="icon" href="data:," />
<title>${title} · Edge SCEP admin</title>
<link rel="stylesheet" href="/admin/console/console.css" />
<script src="/admin/console/console.js" defer></script>
</head>
<body>
<header><a class="brand" href="/admin/">Edge SCEP</a>${nav}</header>
<main>
<h1>${title}</h1>
${body}
</main>
${session ? html`<footer>Session ends <time datetime="${iso(session.expiresAt)}" data-countdown>${iso(session.expiresAt)}</time></footer>` : ""}
</body>
</html>`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** "in 12 days" / "3 days ago", for a server-rendered countdown that console.js keeps ticking. */
function relative(ms: number, now: number): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  const [n, unit] =
    abs >= 86_400_000
      ? [Math.floor(abs / 86_400_000), "day"]
      : abs >= 3_600_000
        ? [Math.floor(abs / 3_600_000), "hour"]
        : [Math.max(1, Math.floor(abs / 60_000)), "minute"];
  const text = `${n} ${unit}${n === 1 ? "" : "s"}`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

export function countdown(ms: number, now: number): Html {
  return html`<time datetime="${iso(ms)}" data-countdown title="${iso(ms)}">${relative(ms, now)}</time>`;
}

/** A status word as a coloured badge (the class names are in console.css). */
export function badge(text: string, tone: "ok" | "warn" | "bad" | "muted"): Html {
  return html`<span class="badge ${tone}">${text}</span>`;
}

export function notice(kind: "ok" | "error" | "warn", text: string | Html): Html {
  return html`<p class="notice ${kind}" role="${kind === "error" ? "alert" : "status"}">${text}</p>`;
}
