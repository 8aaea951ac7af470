// Public surface of the Intune partner-CA client (see client.ts for the flow).
export { IntuneClient } from "./client";
export {
  parseIntuneConfig,
  IntuneConfigError,
  DEFAULT_AUTHORITY_URL,
  DEFAULT_GRAPH_BASE_URL,
  DEFAULT_CALLER_INFO,
  type IntuneConfig,
} from "./config";
export { CLOUDS, CLOUD_NAMES, type CloudName } from "./clouds";
export { credentialStatus, type CredentialStatus, type IntuneCredential } from "./credential";
export { FAILURE_HRESULTS, hResultOf, type IntuneFailureCause } from "./failure-causes";
export { EntraTokenError } from "./entra-token";
export { DiscoveryError } from "./discovery";
export { E_UNEXPECTED, type FailureInput, type SuccessInput } from "./scep-actions";
export { IntuneMemory, type IntuneDeps, type IntuneLogger, type IntuneResult, type KvLike, type FetchLike } from "./types";
export { RevocationCallError, type RevocationRequest, type RevocationResult, type RevocationErrorCode } from "./revocation-client";
export {
  runRevocationSync,
  type RevocationLedger,
  type RevocationSyncDeps,
  type SyncStateLedger,
  type SyncSummary,
} from "./revocation-sync";
