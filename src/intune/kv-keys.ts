// Every storage key (Workers KV, binding passed in by the Worker) and isolate-memory key of the
// Intune client, in one place. Listed in docs/storage-schema.md. KV is only a cache here: losing
// any of these entries costs one extra call to Entra or Graph, nothing more.
//
//   intune:v1:token:{tenant}:{clientId}:{scope}       AES-GCM sealed access token (token-cache.ts),
//                                                    value {"v":1,"iv":b64,"ct":b64}, TTL expires_in - margin
//   intune:v1:discovery:{tenant}:{graphHost}          ScepRequestValidationFEService URI (plain text),
//                                                    TTL INTUNE_DISCOVERY_TTL_SECONDS (<= 24 h)
//   intune:v1:discovery:{tenant}:{graphHost}:pki      PkiConnectorFEService URI (revocation), same TTL
//
// {tenant} is lower-cased; {scope} is URI-component encoded (it contains "/" and ":"). Scopes are
// derived from the configured cloud (clouds.ts), so another cloud's token never shares a key.

/** The Intune services this Worker calls, by the providerName Graph lists them under. */
export type IntuneService = "ScepRequestValidationFEService" | "PkiConnectorFEService";

export function tokenKey(tenantId: string, clientId: string, scope: string): string {
  return `intune:v1:token:${tenantId.toLowerCase()}:${clientId.toLowerCase()}:${encodeURIComponent(scope)}`;
}

export function discoveryKey(tenantId: string, graphBaseUrl: string, service: IntuneService = "ScepRequestValidationFEService"): string {
  const base = `intune:v1:discovery:${tenantId.toLowerCase()}:${new URL(graphBaseUrl).host.toLowerCase()}`;
  return service === "ScepRequestValidationFEService" ? base : `${base}:pki`;
}

/**
 * HKDF salt and info for the key that seals a cached token (token-cache.ts). `credentialId` names
 * the credential kind (and the certificate), so a token sealed under the client secret simply does
 * not open once a certificate is configured: a cache miss, never an error.
 */
export function tokenSealingLabels(tenantId: string, clientId: string, scope: string, credentialId: string): { salt: string; info: string } {
  return {
    salt: "edge-scep intune token cache v2",
    info: `tenant=${tenantId.toLowerCase()} client=${clientId.toLowerCase()} scope=${scope} credential=${credentialId}`,
  };
}
