// The console's overview: GET /admin/stats drawn as cards, the issuance chart (inline SVG, no
// script), expiry countdowns, the last CRL and the Intune link. Every number on the page is a field
// of the stats answer, marked with data-stat so the browser tests compare it with the API.
import type { ExpiryStatus } from "../ca/expiry";
import type { LedgerActivity } from "../ledger/types";
import type { PageInput } from "./console";
import { badge, countdown, html, htmlResponse, type Html, iso, layout, notice } from "./console-html";

type Stats = Record<string, unknown> & { expiry: ExpiryStatus[]; warnings: string[]; activity: LedgerActivity; caExpired: boolean };

export async function overviewPage({ session, ctx }: PageInput): Promise<Response> {
  const answer = await ctx.api("GET", "/admin/stats");
  if (answer.status !== 200)
    return htmlResponse(answer.status, layout("Overview", "overview", notice("error", String(answer.body.message ?? "stats unavailable")), session));
  const s = answer.body as Stats;
  const now = ctx.runtime.now().getTime();
  const a = s.activity;
  const card = (key: string, label: string, href?: string) =>
    html`<div class="card"><div class="label">${label}</div><div class="value" data-stat="${key}">${href ? html`<a href="${href}">${String(s[key])}</a>` : String(s[key])}</div></div>`;
  const body = html`
    ${s.caExpired ? notice("error", html`<strong>The issuing CA certificate has EXPIRED.</strong> GetCACert still serves it, but enrollment fails and clients refuse what it signed.`) : ""}
    ${s.warnings.map((w) => notice(s.caExpired ? "error" : "warn", w))}
    <section class="cards" aria-label="Counts">
      ${card("certificates", "Certificates", "/admin/console/certificates")}
      ${card("valid", "Valid", "/admin/console/certificates?status=valid")}
      ${card("revoked", "Revoked", "/admin/console/certificates?status=revoked")}
      ${card("pending", "Awaiting approval", "/admin/console/pending")}
      ${card("rejected", "Rejected")}
      ${card("undelivered", "Withheld")}
      ${card("challengesOutstanding", "Open challenges", "/admin/console/challenges")}
      <div class="card"><div class="label">Expired, still valid</div><div class="value" data-stat="activity.validExpired">${a.validExpired}</div></div>
      <div class="card"><div class="label">Ending in 30 days</div><div class="value" data-stat="activity.validExpiringIn30Days">${a.validExpiringIn30Days}</div></div>
    </section>
    <h2>Issued per day, last ${a.issuedPerDay.length} days</h2>
    <div class="panel">${chart(a)}</div>
    <h2>By challenge kind</h2>
    <div class="scroll"><table class="kinds">
      <thead><tr><th>Kind</th><th>Valid</th><th>Revoked</th></tr></thead>
      <tbody>${Object.entries(a.byChallengeKind).map(
        ([kind, n]) =>
          html`<tr><td>${kind}</td><td data-stat="activity.byChallengeKind.${kind}.valid">${n.valid}</td><td data-stat="activity.byChallengeKind.${kind}.revoked">${n.revoked}</td></tr>`,
      )}${Object.keys(a.byChallengeKind).length === 0 ? html`<tr><td colspan="3">No certificates yet.</td></tr>` : ""}</tbody>
    </table></div>
    <h2>Certificates this Worker stands on</h2>
    <div class="scroll"><table class="responsive">
      <thead><tr><th>Role</th><th>Subject</th><th>Not after</th><th>Left</th><th>State</th></tr></thead>
      <tbody>${s.expiry.map(
        (
          e,
        ) => html`<tr data-role="${e.role}"><td data-label="Role">${e.role.toUpperCase()}</td><td data-label="Subject">${e.subject}</td><td data-label="Not after">${iso(e.notAfter)}</td>
          <td data-label="Left">${countdown(e.notAfter, now)}</td><td data-label="State">${expiryBadge(e)}</td></tr>`,
      )}</tbody>
    </table></div>
    <p>CA key id <span class="mono" data-stat="ca">${String(s.ca)}</span>${Number(s.retiredCas) > 0 ? html`, ${String(s.retiredCas)} retired CA(s) still signing their CRLs` : ""}.</p>
    <h2>CRL</h2>
    <div class="panel">${
      a.crl
        ? html`<dl class="fields"><dt>Number</dt><dd data-stat="activity.crl.number">${a.crl.number}</dd><dt>This update</dt><dd>${iso(a.crl.thisUpdate)}</dd>
          <dt>Next update</dt><dd>${iso(a.crl.nextUpdate)} (${countdown(a.crl.nextUpdate, now)})</dd>
          <dt>Revocations since</dt><dd>${a.crl.revocationsSince}${a.crl.revocationsSince > 0 ? html` (the next <a href="/crl">/crl</a> request re-signs it)` : ""}</dd></dl>`
        : html`No CRL signed yet: the first request for <a href="/crl">/crl</a> signs one.`
    }</div>
    ${intuneSection(s, now)}
    ${countersSection(s)}`;
  return htmlResponse(200, layout("Overview", "overview", body, session));
}

function expiryBadge(e: ExpiryStatus): Html {
  return e.state === "expired" ? badge("EXPIRED", "bad") : e.state === "expiring" ? badge("expiring", "warn") : badge("ok", "ok");
}

/** 90 bars in an SVG the browser scales; each bar has a <title> for its date and count. */
function chart(a: LedgerActivity): Html {
  const days = a.issuedPerDay;
  const max = Math.max(1, ...days);
  const width = 900;
  const height = 180;
  const left = 34;
  const bottom = 22;
  const barW = (width - left) / days.length;
  const first = Date.parse(`${a.firstDay}T00:00:00Z`);
  const date = (i: number) => new Date(first + i * 86_400_000).toISOString().slice(0, 10);
  const total = days.reduce((x, y) => x + y, 0);
  const bars = days.map((n, i) => {
    const h = Math.round((n / max) * (height - bottom - 10));
    const x = (left + i * barW + 1).toFixed(1);
    return html`<rect class="bar" x="${x}" y="${height - bottom - h}" width="${(barW - 2).toFixed(1)}" height="${h}"><title>${date(i)}: ${n} issued</title></rect>`;
  });
  // The last label ends at the right edge instead of running past it.
  const ticks = [0, 30, 60, days.length - 1].map((i) =>
    i === days.length - 1
      ? html`<text x="${width}" y="${height - 6}" text-anchor="end">${date(i).slice(5)}</text>`
      : html`<text x="${(left + i * barW).toFixed(1)}" y="${height - 6}">${date(i).slice(5)}</text>`,
  );
  return html`<svg class="chart" id="issued-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Certificates issued per day from ${a.firstDay}: ${total} in all, at most ${max} a day" data-total="${total}">
    <line class="axis" x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" />
    <text x="0" y="14">${max}</text><text x="0" y="${height - bottom}">0</text>
    ${bars}${ticks}
  </svg>
  <p>${total} issued in ${days.length} days; today ${days[days.length - 1] ?? 0}.</p>`;
}

/**
 * The counters the isolates add in batches: OCSP traffic (docs/ocsp.md, "Traffic") and what the
 * abuse guard refused (docs/security.md, "Rate limits"). Their names hold dots, so each cell says
 * its group and name apart (data-counter), for the browser test to compare with the stats.
 */
function countersSection(s: Stats): Html {
  const groups: [string, string][] = [
    ["ocsp", "OCSP"],
    ["refused", "Refused by the rate limits"],
  ];
  const rows = groups.flatMap(([group, label]) =>
    Object.entries((s[group] as Record<string, number> | undefined) ?? {}).map(
      ([name, n]) => html`<tr><td>${label}</td><td class="mono">${name}</td><td data-counter="${group}|${name}">${n}</td></tr>`,
    ),
  );
  return html`<h2>Edge traffic</h2>
    <div class="scroll"><table class="kinds">
      <thead><tr><th>Part</th><th>Counter</th><th>Count</th></tr></thead>
      <tbody>${rows}${rows.length === 0 ? html`<tr><td colspan="3">No OCSP requests or refusals counted yet.</td></tr>` : ""}</tbody>
    </table></div>`;
}

/** Intune, when CHALLENGE_MODE has it: the stats' own `intune` part (credential, revocation sync) and the last validation. */
function intuneSection(s: Stats, now: number): Html | "" {
  const intune = s.intune as Record<string, unknown> | undefined;
  const last = s.activity.lastIntune;
  if (!intune && !last) return "";
  const rows: [string, Html | string][] = [];
  if (last) {
    const tone = last.state === "issued" ? "ok" : last.state === "pending" ? "warn" : "bad";
    rows.push(["Last validated request", html`${badge(last.state, tone)} ${countdown(last.at, now)}${last.note ? html` — ${last.note}` : ""}`]);
  }
  for (const [key, value] of Object.entries(intune ?? {}))
    rows.push([key, typeof value === "object" && value !== null ? html`<span class="mono">${JSON.stringify(value)}</span>` : String(value)]);
  return html`<h2>Intune</h2><div class="panel"><dl class="fields">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></div>`;
}
