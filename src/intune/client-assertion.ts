// Certificate credentials for the client-credentials grant: a JWT signed with the app certificate's
// key (RFC 7523 §2.2, OpenID Connect private_key_jwt), in the form Microsoft's identity platform
// documents (learn.microsoft.com/entra/identity-platform/certificate-credentials): PS256, header
// `x5t#S256` (base64url SHA-256 of the certificate DER), claims aud = the token endpoint, iss = sub
// = the client id, a fresh jti, nbf/iat = now, exp a few minutes later (the page: 5–10 min at most).
import { encodeBase64Url } from "../asn1/base64";
import type { IntuneCredential } from "./credential";

type CertificateCredential = Extract<IntuneCredential, { kind: "certificate" }>;

export const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Lifetime of one assertion: well inside the 10 minutes Microsoft allows. */
const ASSERTION_LIFETIME_SECONDS = 300;

const importedKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function signingKey(credential: CertificateCredential): Promise<CryptoKey> {
  let key = importedKeys.get(credential.keyPkcs8Der);
  if (!key) {
    key = crypto.subtle.importKey("pkcs8", credential.keyPkcs8Der, { name: "RSA-PSS", hash: "SHA-256" }, false, ["sign"]);
    importedKeys.set(credential.keyPkcs8Der, key);
  }
  return key;
}

const json64 = (value: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));

/** base64url SHA-256 of the certificate: the `x5t#S256` Entra matches against the app's uploaded certificates. */
export async function certificateThumbprintS256(certDer: Uint8Array): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", certDer)));
}

export async function clientAssertion(
  credential: CertificateCredential,
  input: { clientId: string; audience: string; nowMs: number; jti: string },
): Promise<string> {
  const now = Math.floor(input.nowMs / 1000);
  const header = { alg: "PS256", typ: "JWT", "x5t#S256": await certificateThumbprintS256(credential.certDer) };
  const claims = {
    aud: input.audience,
    iss: input.clientId,
    sub: input.clientId,
    jti: input.jti,
    nbf: now,
    iat: now,
    exp: now + ASSERTION_LIFETIME_SECONDS,
  };
  const signingInput = `${json64(header)}.${json64(claims)}`;
  // RFC 7518 §3.5: PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
  const signature = await crypto.subtle.sign(
    { name: "RSA-PSS", saltLength: 32 },
    await signingKey(credential),
    new TextEncoder().encode(signingInput),
  );
  return `${signingInput}.${encodeBase64Url(new Uint8Array(signature))}`;
}
