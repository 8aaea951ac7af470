// The Entra app's credential: a client secret (INTUNE_CLIENT_SECRET), or a certificate whose key
// signs client assertions (INTUNE_CLIENT_CERT, a var, + INTUNE_CLIENT_KEY, a secret), which
// Microsoft recommends over secrets (docs/configuration.md). Both expire; the expiry is shown in the
// admin stats and logged as a warning once it is under 30 days away.
import { importPrivateKeyPem, KeyImportError, type PrivateKeyHandle, privateKeyMatchesSpki } from "../crypto/keys";
import { parsePem } from "../asn1/pem";
import { IntuneConfigError as SettingError } from "./config-error";
import { type CertView, parseCertView } from "../x509/cert-view";

export type IntuneCredential =
  | {
      kind: "secret";
      secret: string;
      /** INTUNE_CLIENT_SECRET_EXPIRES (epoch ms), when the admin recorded it. */
      expiresAt?: number;
      /** Why a certificate that is partly configured is not used. */
      note?: string;
    }
  | {
      kind: "certificate";
      certDer: Uint8Array;
      /** PKCS#8 DER of the RSA key (imported into WebCrypto when the first assertion is signed). */
      keyPkcs8Der: Uint8Array;
      /** The certificate's notAfter (epoch ms). */
      expiresAt: number;
    };

const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

function optional(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * A complete certificate pair wins. Half a pair next to a secret keeps the secret in use (so the
 * order of `wrangler secret put` and a deploy during a rotation never takes the endpoint down);
 * half a pair alone names the missing half.
 */
export function parseCredential(env: Record<string, string | undefined>): IntuneCredential {
  const secret = optional(env, "INTUNE_CLIENT_SECRET");
  const certPem = optional(env, "INTUNE_CLIENT_CERT");
  const keyPem = optional(env, "INTUNE_CLIENT_KEY");
  if (certPem && keyPem) return certificateCredential(certPem, keyPem);
  if (secret) {
    const note = certPem
      ? "INTUNE_CLIENT_CERT is set without INTUNE_CLIENT_KEY"
      : keyPem
        ? "INTUNE_CLIENT_KEY is set without INTUNE_CLIENT_CERT"
        : undefined;
    return { kind: "secret", secret, ...secretExpiry(optional(env, "INTUNE_CLIENT_SECRET_EXPIRES")), ...(note ? { note } : {}) };
  }
  if (certPem) throw new SettingError("INTUNE_CLIENT_KEY", "missing while INTUNE_CLIENT_CERT is set (the certificate's private key, a secret)");
  if (keyPem) throw new SettingError("INTUNE_CLIENT_CERT", "missing while INTUNE_CLIENT_KEY is set (the certificate uploaded to the Entra app, PEM)");
  throw new SettingError("INTUNE_CLIENT_SECRET", "is required for Intune challenge validation (or INTUNE_CLIENT_CERT and INTUNE_CLIENT_KEY)");
}

function secretExpiry(value: string | undefined): { expiresAt?: number } {
  if (value === undefined) return {};
  // A date (2027-03-31) or a full ISO 8601 time, as Entra shows it under "Certificates & secrets".
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(t)) throw new SettingError("INTUNE_CLIENT_SECRET_EXPIRES", "must be a date such as 2027-03-31 (or an ISO 8601 time)");
  return { expiresAt: t };
}

function certificateCredential(certPem: string, keyPem: string): IntuneCredential {
  const block = parsePem(certPem).find((b) => b.label === "CERTIFICATE");
  if (!block) throw new SettingError("INTUNE_CLIENT_CERT", "no PEM CERTIFICATE found");
  let view: CertView;
  try {
    view = parseCertView(block.der);
  } catch {
    throw new SettingError("INTUNE_CLIENT_CERT", "not a readable X.509 certificate");
  }
  let key: PrivateKeyHandle;
  try {
    key = importPrivateKeyPem(keyPem);
  } catch (e) {
    throw new SettingError("INTUNE_CLIENT_KEY", e instanceof KeyImportError ? e.message : "not a readable private key");
  }
  // Entra verifies PS256/RS256 assertions: an RSA key of at least 2048 bits.
  if (key.algorithm !== "rsa" || key.bits < 2048) throw new SettingError("INTUNE_CLIENT_KEY", "must be an RSA key of at least 2048 bits");
  if (!privateKeyMatchesSpki(key, view.spkiDer)) throw new SettingError("INTUNE_CLIENT_KEY", "does not belong to INTUNE_CLIENT_CERT");
  const keyPkcs8Der = new Uint8Array(key.key.export({ type: "pkcs8", format: "der" }));
  return { kind: "certificate", certDer: block.der, keyPkcs8Der, expiresAt: view.notAfter.getTime() };
}

export interface CredentialStatus {
  kind: IntuneCredential["kind"];
  /** ISO 8601, when known. */
  expiresAt?: string;
  daysLeft?: number;
  /** Set once the expiry is under EXPIRY_WARNING_DAYS away (or past). */
  warning?: string;
}

/** What the admin stats show and the warning log says; never the credential itself. */
export function credentialStatus(credential: IntuneCredential, now: number): CredentialStatus {
  const status: CredentialStatus = { kind: credential.kind };
  const notes: string[] = credential.kind === "secret" && credential.note ? [credential.note] : [];
  if (credential.expiresAt !== undefined) {
    const daysLeft = Math.floor((credential.expiresAt - now) / DAY_MS);
    status.expiresAt = new Date(credential.expiresAt).toISOString();
    status.daysLeft = daysLeft;
    const what = credential.kind === "secret" ? "the Entra client secret" : "the Entra app certificate";
    if (credential.expiresAt <= now) notes.unshift(`${what} expired on ${status.expiresAt}: Entra refuses it`);
    else if (daysLeft < EXPIRY_WARNING_DAYS) notes.unshift(`${what} expires in ${daysLeft} days (${status.expiresAt}): rotate it`);
  }
  if (notes.length) status.warning = notes.join("; ");
  return status;
}
