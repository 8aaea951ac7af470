// Every storage key (Workers KV, binding passed in by the Worker) and isolate-memory key of the
// Intune client, in one place. Listed in docs/storage-schema.md. KV is only a cache here: losing
// any of these entries costs one extra call to Entra or Graph, nothing more.
//
//   intune:v1:token:{tenant}:{clientId}:{scope}       AES-GCM sealed access token (token-cache.ts),
//                                                    value {"v":1,"iv":b64,"ct":b64}, TTL expires_in - margin
//   intune:v1:discovery:{tenant}:{graphHost}          ScepRequestValidationFEService URI (plain text),
//                                                    TTL INTUNE_DISCOVERY_TTL_SECONDS (<= 24 h)
//
// {tenant} is lower-cased; {scope} is URI-component encoded (it contains "/" and ":").

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
// The reference library's INTUNE_RESOURCE_URL + "/.default": the double slash is deliberate.
export const INTUNE_SCOPE = "https://api.manage.microsoft.com//.default";

export function tokenKey(tenantId: string, clientId: string, scope: string): string {
  return `intune:v1:token:${tenantId.toLowerCase()}:${clientId.toLowerCase()}:${encodeURIComponent(scope)}`;
}

export function discoveryKey(tenantId: string, graphBaseUrl: string): string {
  return `intune:v1:discovery:${tenantId.toLowerCase()}:${new URL(graphBaseUrl).host.toLowerCase()}`;
}

/** HKDF salt and info for the key that seals a cached token (token-cache.ts). */
export function tokenSealingLabels(tenantId: string, clientId: string, scope: string): { salt: string; info: string } {
  return {
    salt: "edge-scep intune token cache v1",
    info: `tenant=${tenantId.toLowerCase()} client=${clientId.toLowerCase()} scope=${scope}`,
  };
}
