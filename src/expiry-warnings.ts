// The first request an isolate serves with a configuration logs what is about to expire (or has):
// the issuing CA, its chain, the RA, and the Intune credential. Workers have no start-up hook, so
// "at start" is the first request; once per configuration and isolate keeps it out of the
// per-request path.
import { expiryOf } from "./ca/expiry";
import type { Config } from "./config";
import type { Runtime } from "./enroll/ports";
import { credentialStatus } from "./intune";

const warned = new WeakSet<Config>();

export function warnExpiryOnce(config: Config, runtime: Runtime): void {
  if (warned.has(config)) return;
  warned.add(config);
  const now = runtime.now().getTime();
  for (const s of expiryOf(config.ca, now)) {
    if (!s.warning) continue;
    runtime.log("expiry-warning", {
      role: s.role,
      state: s.state,
      notAfter: new Date(s.notAfter).toISOString(),
      daysLeft: s.daysLeft,
      warning: s.warning,
    });
  }
  // The Entra credential: a secret's INTUNE_CLIENT_SECRET_EXPIRES, or a certificate's notAfter.
  const intune = config.intune ? credentialStatus(config.intune.credential, now) : undefined;
  if (intune?.warning)
    runtime.log("expiry-warning", { role: "intune-credential", expiresAt: intune.expiresAt, daysLeft: intune.daysLeft, warning: intune.warning });
}
