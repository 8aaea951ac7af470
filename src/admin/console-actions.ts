// Console pages that change state besides revocation: approving or rejecting requests that wait
// (APPROVAL_MODE) and minting one-time challenges. The minted challenge is shown once, in the
// answer to the POST (never in a URL, a redirect or a log), with its expiry and what it is bound to.
import type { PageInput } from "./console";
import { countdown, html, htmlResponse, iso, layout, notice, redirect } from "./console-html";

type Pending = { transactionId: string; requestKey: string; subject: string; challengeKind: string; createdAt: number };

export async function pendingPage({ url, session, ctx }: PageInput): Promise<Response> {
  const answer = await ctx.api("GET", "/admin/pending");
  const items = (answer.body.items as Pending[] | undefined) ?? [];
  const now = ctx.runtime.now().getTime();
  const done = url.searchParams.get("done");
  const serial = url.searchParams.get("serial") ?? "";
  const form = (p: Pending, action: "approve" | "reject") => html`
    <form method="post" action="/admin/console/pending/${action}" class="inline">
      <input type="hidden" name="csrf" value="${session.csrf}" />
      <input type="hidden" name="transactionId" value="${p.transactionId}" />
      <input type="hidden" name="requestKey" value="${p.requestKey}" />
      ${action === "reject" ? html`<input type="text" name="reason" placeholder="reason (optional)" maxlength="200" aria-label="Reason for rejecting ${p.transactionId}" />` : ""}
      <button type="submit" class="${action === "reject" ? "danger" : ""}">${action === "approve" ? "Approve" : "Reject"}</button>
    </form>`;
  const body = html`
    ${done === "approved" && /^[0-9A-F]+$/.test(serial) ? notice("ok", html`Approved: issued <a href="/admin/console/certificates/${serial}">${serial}</a>. The device gets it on its next poll (scepclient: run the same command again).`) : ""}
    ${done === "rejected" ? notice("ok", "Rejected. The device gets a FAILURE on its next poll.") : ""}
    ${answer.status !== 200 ? notice("error", String(answer.body.message ?? "unavailable")) : ""}
    <p>Requests wait here when <code>APPROVAL_MODE</code> says so. Approving signs the certificate the request asked for, under today's name policy.</p>
    <div class="scroll"><table class="responsive" id="pending">
      <thead><tr><th>Transaction ID</th><th>Subject</th><th>Kind</th><th>Waiting</th><th>Decision</th></tr></thead>
      <tbody>${items.map(
        (p) => html`<tr data-transaction="${p.transactionId}">
          <td data-label="Transaction" class="mono">${p.transactionId}${p.requestKey ? html`<br />renews ${p.requestKey}` : ""}</td>
          <td data-label="Subject">${p.subject}</td><td data-label="Kind">${p.challengeKind}</td>
          <td data-label="Waiting">${countdown(p.createdAt, now)}</td>
          <td data-label="Decision">${form(p, "approve")}${form(p, "reject")}</td></tr>`,
      )}${items.length === 0 ? html`<tr><td colspan="5">Nothing waits for approval.</td></tr>` : ""}</tbody>
    </table></div>`;
  return htmlResponse(200, layout("Approvals", "pending", body, session));
}

export async function approvalAction({ form, session, ctx }: PageInput, approve: boolean): Promise<Response> {
  const payload: Record<string, string> = { transactionId: form?.get("transactionId") ?? "", requestKey: form?.get("requestKey") ?? "" };
  const reason = form?.get("reason")?.trim();
  if (!approve && reason) payload.reason = reason;
  const answer = await ctx.api("POST", `/admin/pending/${approve ? "approve" : "reject"}`, payload);
  if (answer.status !== 200) {
    return htmlResponse(
      answer.status,
      layout(approve ? "Approval refused" : "Rejection refused", "pending", notice("error", String(answer.body.message ?? "refused")), session),
    );
  }
  return redirect(approve ? `/admin/console/pending?done=approved&serial=${String(answer.body.serial)}` : "/admin/console/pending?done=rejected");
}

function mintForm(csrf: string): ReturnType<typeof html> {
  return html`<form method="post" action="/admin/console/challenges" class="stack panel">
    <input type="hidden" name="csrf" value="${csrf}" />
    <label>Subject (optional) <input type="text" name="subject" placeholder="CN=device-1,O=Acme" autocomplete="off" /></label>
    <label>SANs, one per line (optional) <textarea name="sans" rows="3" placeholder="dns:device-1.corp.example&#10;upn:alice@corp.example"></textarea></label>
    <label>Valid for <select name="ttl">${[
      ["3600", "1 hour"],
      ["86400", "1 day"],
      ["604800", "7 days"],
    ].map(([v, l]) => html`<option value="${v!}">${l!}</option>`)}</select></label>
    <button type="submit">Mint a one-time challenge</button>
  </form>`;
}

export async function challengePage({ session, ctx }: PageInput): Promise<Response> {
  const enabled = ctx.config.challengeModes.includes("one-time");
  const body = html`<p>A one-time challenge lets one device enroll once, until it expires, for the subject given (any subject when empty) and exactly the SANs listed (none when none are).</p>
    ${enabled ? mintForm(session.csrf) : notice("warn", html`<code>CHALLENGE_MODE</code> does not include <code>one-time</code>: minting is off.`)}`;
  return htmlResponse(200, layout("One-time challenges", "challenges", body, session));
}

export async function challengeMint({ form, session, ctx }: PageInput): Promise<Response> {
  const payload: Record<string, unknown> = { ttlSeconds: Number(form?.get("ttl") ?? "3600") };
  const subject = form?.get("subject")?.trim();
  if (subject) payload.subject = subject;
  const sans = (form?.get("sans") ?? "")
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (sans.length) payload.sans = sans;
  const answer = await ctx.api("POST", "/admin/challenges", payload);
  if (answer.status !== 201) {
    const body = html`${notice("error", String(answer.body.message ?? "refused"))}${mintForm(session.csrf)}`;
    return htmlResponse(answer.status, layout("One-time challenges", "challenges", body, session));
  }
  const c = answer.body as { challenge: string; expiresAt: string; subject: string | null; sans: string[] };
  const now = ctx.runtime.now().getTime();
  const body = html`${notice("ok", "Minted. Copy it now: it is shown only this once and stored only as a hash.")}
    <p class="secret mono" id="challenge">${c.challenge}</p>
    <div class="panel"><dl class="fields" id="binding">
      <dt>Expires</dt><dd>${iso(Date.parse(c.expiresAt))} (${countdown(Date.parse(c.expiresAt), now)})</dd>
      <dt>Subject</dt><dd>${c.subject ?? "any subject"}</dd>
      <dt>SANs</dt><dd>${c.sans.length ? c.sans.join(", ") : "none (the request must carry no SAN)"}</dd>
      <dt>Use</dt><dd>once</dd>
    </dl></div>
    <p><a href="/admin/console/challenges">Mint another</a></p>`;
  return htmlResponse(201, layout("One-time challenge", "challenges", body, session));
}
