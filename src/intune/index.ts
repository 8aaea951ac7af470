// Public surface of the Intune partner-CA client (see client.ts for the flow): what config.ts,
// runtime.ts and enroll/ use. Tests reach the modules behind it directly.
export { IntuneClient } from "./client";
export { parseIntuneConfig, type IntuneConfig } from "./config";
export { credentialStatus } from "./credential";
export { hResultOf, type IntuneFailureCause } from "./failure-causes";
export { runRevocationSync, type RevocationSyncDeps, type SyncSummary } from "./revocation-sync";
