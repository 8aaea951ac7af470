// The admin console at /admin/ (docs/console.md): server-rendered pages over the JSON admin API,
// which it calls in-process, so every check and log of the API applies to the console too.
// Authentication is the API's: Cloudflare Access when configured, then ADMIN_TOKEN, typed once and
// exchanged for a session cookie (console-session.ts). Every POST needs the session's CSRF token
// and, when the browser sends one, an Origin of this site.
import type { Config } from "../config";
import type { Runtime } from "../enroll/ports";
import type { LedgerStub } from "../ledger/client";
import { checkAccess, checkToken, logDenied } from "./auth";
import { consoleAsset } from "./console-assets";
import { certificateDetail, certificateDownload, certificateList, revokeAction } from "./console-certificates";
import { html, htmlResponse, layout, notice, redirect } from "./console-html";
import { approvalAction, challengeMint, challengePage, pendingPage } from "./console-actions";
import { overviewPage } from "./console-overview";
import { clearCookie, cookieScheme, csrfMatches, readSession, startSession, type ConsoleSession } from "./console-session";

/** What the API answered: status and parsed JSON (or the raw response for downloads). */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  response: Response;
}

export interface ConsoleContext {
  config: Config;
  /** The current CA's ledger, which remembers logouts. */
  ledger: LedgerStub;
  runtime: Runtime;
  /** The admin API, in-process and past authentication. */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
}

export interface PageInput {
  request: Request;
  url: URL;
  session: ConsoleSession;
  form?: URLSearchParams;
  ctx: ConsoleContext;
}

const MAX_FORM_BYTES = 16 * 1024;

export function isConsolePath(path: string): boolean {
  return path === "/admin" || path === "/admin/" || path === "/admin/console" || path.startsWith("/admin/console/");
}

export async function handleConsole(request: Request, url: URL, ctx: ConsoleContext): Promise<Response> {
  const path = url.pathname;
  const asset = request.method === "GET" ? consoleAsset(path) : undefined;
  if (asset) return asset;
  const scheme = cookieScheme(url);
  if (!scheme) {
    return htmlResponse(
      403,
      layout("HTTPS required", "none", notice("error", "The admin console signs in only over https (or plain http on a loopback address).")),
    );
  }
  const accessDenied = await checkAccess(request, url, ctx.config, ctx.runtime);
  if (accessDenied) {
    const { message } = (await accessDenied.clone().json()) as { message: string };
    return htmlResponse(accessDenied.status, layout("Not signed in", "none", notice("error", message)));
  }
  const post = request.method === "POST";
  if (post && !sameOrigin(request, url))
    return htmlResponse(403, layout("Refused", "none", notice("error", "cross-site form submissions are refused")));
  const form = post ? await readForm(request) : undefined;
  if (form === null) return htmlResponse(413, layout("Refused", "none", notice("error", "form too large")));
  const now = ctx.runtime.now().getTime();
  const needsToken = ctx.config.admin.token !== undefined;
  if (path === "/admin/console/login") {
    if (post) return signIn(form!, url, ctx, scheme, now);
    return signInPage(200, needsToken, url.searchParams.has("signed-out") ? notice("ok", "Signed out.") : undefined);
  }

  let session = readSession(request, ctx.config, scheme, now);
  if (session && (await ctx.ledger.consoleSessionEnded(session.id))) session = undefined;
  if (!session) {
    if (post)
      return htmlResponse(
        401,
        layout("Session ended", "none", notice("error", html`Your session has ended. <a href="/admin/console/login">Sign in</a> again.`)),
      );
    return redirect("/admin/console/login");
  }
  if (post && !csrfMatches(session, form!.get("csrf"))) {
    ctx.runtime.log("admin-console-csrf-refused", { path });
    return htmlResponse(
      403,
      layout("Refused", "none", notice("error", "the form is stale or was not sent by this console: reload the page and try again")),
    );
  }
  if (post && path === "/admin/console/logout") {
    await ctx.ledger.endConsoleSession(session.id, session.expiresAt, now);
    ctx.runtime.log("admin-console-logout", {});
    return redirect("/admin/console/login?signed-out", { "set-cookie": clearCookie(scheme) });
  }
  const input: PageInput = { request, url, session, form: form ?? undefined, ctx };
  const response = await route(path, post, input);
  return response ?? htmlResponse(404, layout("Not found", "none", notice("error", `no console page ${path}`), session));
}

async function route(path: string, post: boolean, input: PageInput): Promise<Response | undefined> {
  if (!post && (path === "/admin" || path === "/admin/" || path === "/admin/console" || path === "/admin/console/")) return overviewPage(input);
  if (!post && path === "/admin/console/certificates") return certificateList(input);
  if (!post && path === "/admin/console/pending") return pendingPage(input);
  if (path === "/admin/console/challenges") return post ? challengeMint(input) : challengePage(input);
  if (post && (path === "/admin/console/pending/approve" || path === "/admin/console/pending/reject"))
    return approvalAction(input, path.endsWith("/approve"));
  const cert = /^\/admin\/console\/certificates\/([0-9A-F]{1,64})(\.pem|\.der|\/revoke)?$/.exec(path);
  if (!cert) return undefined;
  if (post && cert[2] === "/revoke") return revokeAction(input, cert[1]!);
  if (!post && (cert[2] === ".pem" || cert[2] === ".der")) return certificateDownload(input, cert[1]!, cert[2] === ".pem" ? "pem" : "der");
  if (!post && cert[2] === undefined) return certificateDetail(input, cert[1]!);
  return undefined;
}

function signInPage(status: number, needsToken: boolean, message?: ReturnType<typeof notice>): Response {
  const body = html`${message ?? ""}
    <form method="post" action="/admin/console/login" class="stack panel">
      ${
        needsToken
          ? html`<label>Admin token <input type="password" name="token" autocomplete="off" required autofocus /></label>
        <p class="hint">The <code>ADMIN_TOKEN</code> of this Worker. It is exchanged for a session cookie that ends after 30 minutes or at sign-out.</p>`
          : html`<p>Cloudflare Access has identified you. Continue to open a console session (30 minutes).</p>`
      }
      <button type="submit">Sign in</button>
    </form>`;
  return htmlResponse(status, layout("Sign in", "none", body));
}

async function signIn(
  form: URLSearchParams,
  url: URL,
  ctx: ConsoleContext,
  scheme: NonNullable<ReturnType<typeof cookieScheme>>,
  now: number,
): Promise<Response> {
  // The same answer for a missing and a wrong token, as the API gives (the log tells them apart).
  const result = checkToken(form.get("token") ?? "", ctx.config);
  if (result !== "ok") {
    logDenied(ctx.runtime, `console:${result}`, url);
    return signInPage(401, true, notice("error", "Sign-in failed: a valid admin token is required."));
  }
  const { setCookie } = startSession(ctx.config, scheme, now, ctx.runtime.randomBytes(16));
  ctx.runtime.log("admin-console-login", {});
  return redirect("/admin/", { "set-cookie": setCookie });
}

/**
 * SameSite=Strict keeps the cookie off cross-site requests already; the Origin (or Sec-Fetch-Site)
 * header, which browsers send with every POST, refuses cross-site forms before any work.
 */
function sameOrigin(request: Request, url: URL): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null) return origin === url.origin;
  const site = request.headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}

/** The urlencoded form body, or null when it is larger than any console form. */
async function readForm(request: Request): Promise<URLSearchParams | null> {
  const text = await request.text();
  if (text.length > MAX_FORM_BYTES) return null;
  return new URLSearchParams(text);
}
