// The Worker's bindings. Names are the configuration contract (docs/configuration.md).
import type { Ledger } from "./ledger/ledger";

export interface Env {
  // Secrets
  CA_KEY?: string;
  RA_KEY?: string;
  SCEP_CHALLENGE?: string;
  INTUNE_CLIENT_SECRET?: string;
  ADMIN_TOKEN?: string;
  // Vars
  CA_CERT?: string;
  RA_CERT?: string;
  NEXT_CA_CERT?: string;
  /** Retired CAs after a rollover: certificates (var) and their keys (secret), PEM. */
  RETIRED_CA_CERTS?: string;
  RETIRED_CA_KEYS?: string;
  ALLOW_LEGACY_DES?: string;
  CHALLENGE_MODE?: string;
  CERT_VALIDITY_DAYS?: string;
  CERT_BACKDATE_MINUTES?: string;
  MAX_MESSAGE_BYTES?: string;
  APPROVAL_MODE?: string;
  PUBLIC_BASE_URL?: string;
  CRL_VALIDITY_HOURS?: string;
  /** JSON (or a [vars] table): certificate profiles, see docs/configuration.md. */
  CERT_PROFILES?: string | Record<string, unknown>;
  RENEWAL_POLICY?: string;
  RENEWAL_GRACE_DAYS?: string;
  RENEWAL_WINDOW_DAYS?: string;
  REVOKE_SUPERSEDED?: string;
  SAN_TYPES?: string;
  SAN_DOMAINS?: string;
  SID_FROM_CSR?: string;
  // Cloudflare Access in front of /admin/ (both or neither)
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
  // Intune (CHALLENGE_MODE includes intune)
  INTUNE_TENANT_ID?: string;
  INTUNE_CLIENT_ID?: string;
  ENTRA_AUTHORITY_URL?: string;
  GRAPH_BASE_URL?: string;
  INTUNE_CALLER_INFO?: string;
  INTUNE_DISCOVERY_TTL_SECONDS?: string;
  // Bindings
  CACHE: KVNamespace;
  LEDGER: DurableObjectNamespace<Ledger>;
}
