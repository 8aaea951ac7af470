// The admin API's Intune part: POST /admin/intune/sync runs the revocation sync now; what the stats
// show of the Intune link comes from enroll/intune-sync.ts (intuneStatus).
import { runIntuneSync } from "../enroll/intune-sync";
import { AdminError, json } from "./json";
import type { AdminContext } from "./routes";

export async function intuneRoute(request: Request, path: string, ctx: AdminContext): Promise<Response | undefined> {
  if (path !== "/admin/intune/sync") return undefined;
  if (request.method.toUpperCase() !== "POST") throw new AdminError(405, "method_not_allowed", "POST /admin/intune/sync");
  if (!ctx.config.intune || !ctx.intune) throw new AdminError(409, "intune_disabled", "CHALLENGE_MODE does not include intune");
  const summary = await runIntuneSync(ctx.config, ctx.ledgerOf, ctx.intune, ctx.runtime, "admin");
  if (summary.skipped) throw new AdminError(409, "sync_running", summary.skipped);
  ctx.runtime.log("intune-sync-by-admin", { runId: summary.runId });
  return json(200, summary);
}
