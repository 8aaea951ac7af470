// Console pages for certificates: search (one box over subject, SAN, serial and transactionID, or
// one field), status filter, cursor pages; the detail with the decoded certificate and downloads;
// revocation with a reason. All through GET /admin/certificates… and POST …/revoke.
import { describeCertificate } from "../x509/cert-description";
import { parsePem } from "../asn1/pem";
import type { PageInput } from "./console";
import { badge, html, htmlResponse, type Html, iso, layout, notice, redirect } from "./console-html";

const FIELDS: [string, string][] = [
  ["q", "Anything"],
  ["subject", "Subject"],
  ["san", "SAN"],
  ["serial", "Serial"],
  ["transactionId", "Transaction ID"],
];
const REASONS = ["unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation", "privilegeWithdrawn"];
const REASON_NAMES: Record<number, string> = {
  0: "unspecified",
  1: "keyCompromise",
  3: "affiliationChanged",
  4: "superseded",
  5: "cessationOfOperation",
  9: "privilegeWithdrawn",
};

type Cert = Record<string, unknown> & { serial: string; subject: string; sans: string; status: string; createdAt: number; notAfter: number };

export async function certificateList({ url, session, ctx }: PageInput): Promise<Response> {
  const p = url.searchParams;
  const text = (p.get("text") ?? "").trim();
  const field = FIELDS.some(([f]) => f === p.get("field")) ? p.get("field")! : "q";
  const status = p.get("status") === "valid" || p.get("status") === "revoked" ? p.get("status")! : "";
  const query = new URLSearchParams({ limit: "25" });
  if (text) query.set(field, field === "serial" ? text.replace(/[:\s]/g, "").toUpperCase() : text);
  if (status) query.set("status", status);
  const cursor = p.get("cursor");
  if (cursor) query.set("cursor", cursor);
  const answer = await ctx.api("GET", `/admin/certificates?${query}`);
  const items = (answer.body.items as Cert[] | undefined) ?? [];
  const next = typeof answer.body.cursor === "string" ? answer.body.cursor : undefined;
  const keep = new URLSearchParams({ text, field, status });
  const body = html`
    <form method="get" action="/admin/console/certificates" class="search" role="search">
      <label>Search <input type="search" name="text" value="${text}" placeholder="CN, dns:host, serial or transaction ID" /></label>
      <label>In <select name="field">${FIELDS.map(([f, label]) => html`<option value="${f}"${f === field ? html` selected` : ""}>${label}</option>`)}</select></label>
      <label>Status <select name="status">${[
        ["", "Any"],
        ["valid", "Valid"],
        ["revoked", "Revoked"],
      ].map(([v, label]) => html`<option value="${v!}"${v === status ? html` selected` : ""}>${label!}</option>`)}</select></label>
      <button type="submit">Search</button>
    </form>
    ${answer.status !== 200 ? notice("error", String(answer.body.message ?? "search failed")) : ""}
    <div class="scroll"><table class="responsive" id="certificates">
      <thead><tr><th>Serial</th><th>Subject</th><th>SANs</th><th>Status</th><th>Issued</th><th>Not after</th><th>Kind</th></tr></thead>
      <tbody>${items.map(
        (c) => html`<tr>
          <td data-label="Serial" class="mono"><a href="/admin/console/certificates/${c.serial}">${c.serial}</a></td>
          <td data-label="Subject">${c.subject}</td><td data-label="SANs">${c.sans || "–"}</td>
          <td data-label="Status">${statusBadge(c)}</td><td data-label="Issued">${iso(c.createdAt)}</td>
          <td data-label="Not after">${iso(c.notAfter)}</td><td data-label="Kind">${String(c.challengeKind)}</td></tr>`,
      )}${items.length === 0 ? html`<tr><td colspan="7">No certificate matches.</td></tr>` : ""}</tbody>
    </table></div>
    <div class="pager">${cursor ? html`<a href="/admin/console/certificates?${keep.toString()}">First page</a>` : ""}${
      next
        ? html`<a rel="next" href="/admin/console/certificates?${new URLSearchParams({ text, field, status, cursor: next }).toString()}">Next page</a>`
        : ""
    }</div>`;
  return htmlResponse(answer.status === 200 ? 200 : answer.status, layout("Certificates", "certificates", body, session));
}

export async function certificateDetail({ url, session, ctx }: PageInput, serial: string): Promise<Response> {
  const answer = await ctx.api("GET", `/admin/certificates/${serial}`);
  if (answer.status !== 200)
    return htmlResponse(answer.status, layout("Certificate", "certificates", notice("error", String(answer.body.message ?? "not found")), session));
  const c = answer.body as Cert & { pem: string; ca: string };
  const der = parsePem(c.pem)[0]!.der;
  const d = describeCertificate(der);
  const done = url.searchParams.get("done");
  const record: [string, Html | string][] = [
    ["Status", statusBadge(c)],
    ["Transaction ID", html`<span class="mono">${String(c.transactionId)}</span>`],
    ["Issued", iso(c.createdAt)],
    ["Challenge kind", String(c.challengeKind)],
    ["Profile", String(c.profile)],
    ["Delivered", c.delivered ? "yes" : "no (withheld)"],
    ["CA key id", html`<span class="mono">${c.ca}</span>`],
    ["SHA-256", html`<span class="mono">${String(c.sha256)}</span>`],
  ];
  if (c.status === "revoked")
    record.push(["Revoked", `${iso(Number(c.revokedAt))}, ${REASON_NAMES[Number(c.revocationReason)] ?? String(c.revocationReason)}`]);
  if (c.renewedFrom) record.push(["Renews", String(c.renewedFrom)]);
  const decoded: [string, string][] = [
    ["Subject", d.subject],
    ["Issuer", d.issuer],
    ["Serial", d.serial],
    ["Not before", d.notBefore],
    ["Not after", d.notAfter],
    ["Public key", d.publicKey],
    ["Signature", d.signatureAlgorithm],
    ...d.extensions.map((e) => [`${e.name}${e.critical ? " (critical)" : ""}`, e.value] as [string, string]),
  ];
  const body = html`
    ${done === "revoked" ? notice("ok", "Revoked. The CA's next CRL lists it.") : done === "already-revoked" ? notice("warn", "It was already revoked.") : ""}
    <p class="mono" id="serial">${c.serial}</p>
    <div class="panel"><dl class="fields">${record.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></div>
    <h2>Decoded certificate</h2>
    <div class="panel"><dl class="fields" id="decoded">${decoded.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></div>
    <p><a href="/admin/console/certificates/${c.serial}.pem" download>Download PEM</a> · <a href="/admin/console/certificates/${c.serial}.der" download>Download DER</a></p>
    ${
      c.status === "valid"
        ? html`<h2>Revoke</h2>
      <form method="post" action="/admin/console/certificates/${c.serial}/revoke" class="inline panel" data-confirm="Revoke ${c.serial}? This cannot be undone.">
        <input type="hidden" name="csrf" value="${session.csrf}" />
        <label>Reason <select name="reason">${REASONS.map((r) => html`<option value="${r}">${r}</option>`)}</select></label>
        <button type="submit" class="danger">Revoke</button>
      </form>`
        : ""
    }
    <details><summary>PEM</summary><pre>${c.pem}</pre></details>`;
  return htmlResponse(200, layout(`Certificate ${c.subject || c.serial}`, "certificates", body, session));
}

export async function certificateDownload({ ctx }: PageInput, serial: string, format: "pem" | "der"): Promise<Response> {
  const answer = await ctx.api("GET", `/admin/certificates/${serial}?format=${format}`);
  if (answer.status !== 200) return answer.response;
  return new Response(answer.response.body, {
    headers: {
      "content-type": answer.response.headers.get("content-type") ?? "application/octet-stream",
      "content-disposition": `attachment; filename="${serial}.${format === "pem" ? "pem" : "cer"}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

export async function revokeAction({ form, session, ctx }: PageInput, serial: string): Promise<Response> {
  const reason = form?.get("reason") ?? "unspecified";
  const answer = await ctx.api("POST", `/admin/certificates/${serial}/revoke`, { reason });
  if (answer.status !== 200) {
    return htmlResponse(
      answer.status,
      layout("Revocation refused", "certificates", notice("error", String(answer.body.message ?? "refused")), session),
    );
  }
  return redirect(`/admin/console/certificates/${serial}?done=${answer.body.alreadyRevoked ? "already-revoked" : "revoked"}`);
}

function statusBadge(c: Cert): Html {
  if (c.status === "revoked") return badge("revoked", "bad");
  if (c.notAfter <= Date.now()) return badge("expired", "muted");
  return badge("valid", "ok");
}
