// The first request an isolate serves with a configuration logs what is about to expire (or has):
// the issuing CA, its chain, the RA. Workers have no start-up hook, so "at start" is the first
// request; once per configuration and isolate keeps it out of the per-request path.
import { expiryOf } from "./ca/expiry";
import type { Config } from "./config";
import type { Runtime } from "./enroll/ports";

const warned = new WeakSet<Config>();

export function warnExpiryOnce(config: Config, runtime: Runtime): void {
  if (warned.has(config)) return;
  warned.add(config);
  for (const s of expiryOf(config.ca, runtime.now().getTime())) {
    if (s.warning)
      runtime.log("expiry-warning", {
        role: s.role,
        state: s.state,
        notAfter: new Date(s.notAfter).toISOString(),
        daysLeft: s.daysLeft,
        warning: s.warning,
      });
  }
}
