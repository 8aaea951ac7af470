// Per-client limits on what unauthenticated PKIOperation requests can make the Worker spend
// (docs/security.md, "Rate limits"). Cloudflare's Rate Limiting binding counts every limit() call
// and cannot be asked without counting, so:
//  - only failed authentications are counted (a success never calls it, so it never uses up
//    anyone's budget), and counted after the answer is sent (waitUntil: no latency for anyone);
//  - the binding's "no" puts the client in this isolate's penalty box for one period, and a boxed
//    client's PKIOperation is answered 429 before its body is read: no decryption, no signature,
//    no counter call. An isolate that has not seen the "no" yet lets one more failure through.
//  - Intune validateRequest calls are counted before each call, per client and in all; a request
//    past either bound gets a signed FAILURE instead of the call.
import { RATE_LIMIT_PERIOD_SECONDS } from "../config";
import { countRefusal } from "../enroll/refusal-counts";

/** The binding's surface (workers-types RateLimit). */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export interface AbuseBindings {
  failures?: RateLimitBinding;
  intuneClient?: RateLimitBinding;
  intuneAll?: RateLimitBinding;
}

const PERIOD_MS = RATE_LIMIT_PERIOD_SECONDS * 1000;
/** Boxed clients this isolate remembers; the oldest entry goes first when it is full. */
const MAX_BOXED = 10_000;
const boxed = new Map<string, number>();

/**
 * The key a client is counted under: CF-Connecting-IP (set by Cloudflare, never by the client),
 * an IPv6 address reduced to its /64 (one subscriber's prefix: counting single addresses there
 * counts nothing). Undefined when the request did not come through Cloudflare's edge (a service
 * binding, a test calling fetch directly): such requests are not limited.
 */
export function clientKey(request: Request): string | undefined {
  const ip = request.headers.get("cf-connecting-ip")?.trim();
  if (!ip) return undefined;
  if (!ip.includes(":")) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** Seconds until a boxed client may try again, or undefined. */
export function boxedFor(client: string | undefined, now: number): number | undefined {
  if (client === undefined) return undefined;
  const until = boxed.get(client);
  if (until === undefined) return undefined;
  if (until <= now) {
    boxed.delete(client);
    return undefined;
  }
  return Math.ceil((until - now) / 1000);
}

function box(client: string, now: number): void {
  boxed.delete(client);
  if (boxed.size >= MAX_BOXED) boxed.delete(boxed.keys().next().value!);
  boxed.set(client, now + PERIOD_MS);
}

export type Log = (event: string, fields: Record<string, unknown>) => void;

/**
 * A failed authentication of this client: counted in the binding; at its "no", the client is boxed
 * here for a period and one log line says so. Resolves when counted; never rejects.
 */
export async function countFailure(bindings: AbuseBindings, client: string | undefined, now: () => number, log: Log): Promise<void> {
  if (client === undefined || !bindings.failures) return;
  countRefusal("failures.counted");
  try {
    const { success } = await bindings.failures.limit({ key: client });
    if (success) return;
    const first = boxedFor(client, now()) === undefined;
    box(client, now());
    if (first) {
      countRefusal("clients.blocked");
      log("client-blocked", { client, seconds: RATE_LIMIT_PERIOD_SECONDS });
    }
  } catch (e) {
    // A limiter that cannot answer limits nothing: enrollment goes on.
    log("rate-limit-unavailable", { error: e instanceof Error ? e.message : String(e) });
  }
}

/**
 * Counts one Intune validateRequest call for this client and in all: "client" or "all" when that
 * bound is reached (and the call must not be made), undefined to go ahead. The client's own
 * bound is asked first, so one client past it never uses up the shared budget.
 */
export async function intuneAllowance(bindings: AbuseBindings, client: string | undefined, log: Log): Promise<"client" | "all" | undefined> {
  try {
    if (client !== undefined && bindings.intuneClient && !(await bindings.intuneClient.limit({ key: client })).success) {
      countRefusal("intune.bound.client");
      return "client";
    }
    if (bindings.intuneAll && !(await bindings.intuneAll.limit({ key: "all" })).success) {
      countRefusal("intune.bound.all");
      return "all";
    }
  } catch (e) {
    log("rate-limit-unavailable", { error: e instanceof Error ? e.message : String(e) });
  }
  return undefined;
}
