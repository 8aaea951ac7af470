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
  ALLOW_LEGACY_DES?: string;
  CHALLENGE_MODE?: string;
  CERT_VALIDITY_DAYS?: string;
  CERT_BACKDATE_MINUTES?: string;
  MAX_MESSAGE_BYTES?: string;
  // Bindings
  CACHE: KVNamespace;
  LEDGER: DurableObjectNamespace<Ledger>;
}
