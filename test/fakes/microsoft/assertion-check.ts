// The fake Entra's check of a client assertion (certificate credentials, RFC 7523 §3 and
// learn.microsoft.com/entra/identity-platform/certificate-credentials): a registered certificate
// named by x5t#S256 (or x5t), a PS256/RS256 signature by its key, aud = this token endpoint,
// iss = sub = client_id, a time window, a jti used once. Independent of src/: pkijs reads the
// certificate, WebCrypto verifies. Codes: AADSTS700024 (time range), AADSTS700027 (signature or
// unknown certificate) and AADSTS700021 (client id) are Entra's; the replay and audience texts are
// the fake's own (Entra's exact codes for them are not documented).
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

export type AssertionVerdict = { ok: true; header: Record<string, unknown>; claims: Record<string, unknown> } | { ok: false; description: string };

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const SKEW_SECONDS = 60;

function b64urlBytes(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function jsonPart(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(b64urlBytes(text))) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function thumbprints(der: Uint8Array): Promise<{ s256: string; s1: string }> {
  const digest = async (alg: string) => b64url(new Uint8Array(await crypto.subtle.digest(alg, der.slice())));
  return { s256: await digest("SHA-256"), s1: await digest("SHA-1") };
}

function spkiOf(der: Uint8Array): ArrayBuffer {
  const cert = new pkijs.Certificate({ schema: asn1js.fromBER(der.slice().buffer as ArrayBuffer).result });
  return cert.subjectPublicKeyInfo.toSchema().toBER(false);
}

export interface AssertionContext {
  form: URLSearchParams;
  /** The URL the token request came to: the assertion's audience. */
  tokenUrl: string;
  clientId: string;
  certificates: Uint8Array[];
  nowSeconds: number;
  maxLifetimeSeconds: number;
  /** jtis already accepted (replay), filled by the caller on success. */
  seenJtis: Set<string>;
}

export async function checkAssertion(c: AssertionContext): Promise<AssertionVerdict> {
  const fail = (description: string): AssertionVerdict => ({ ok: false, description });
  if (c.form.get("client_assertion_type") !== ASSERTION_TYPE) return fail(`AADSTS700010 (fake): client_assertion_type must be ${ASSERTION_TYPE}.`);
  const parts = (c.form.get("client_assertion") ?? "").split(".");
  const header = parts.length === 3 ? jsonPart(parts[0]!) : undefined;
  const claims = parts.length === 3 ? jsonPart(parts[1]!) : undefined;
  if (!header || !claims) return fail("AADSTS50027 (fake): The client assertion is not a well-formed JWT.");
  if (header.alg !== "PS256" && header.alg !== "RS256")
    return fail(`AADSTS700027: Client assertion failed signature validation (alg ${String(header.alg)}).`);
  let spki: ArrayBuffer | undefined;
  for (const der of c.certificates) {
    const t = await thumbprints(der);
    if (header["x5t#S256"] === t.s256 || header.x5t === t.s1) spki = spkiOf(der);
  }
  if (!spki) return fail("AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.");
  const pss = header.alg === "PS256";
  const key = await crypto.subtle.importKey(
    "spki",
    spki,
    pss ? { name: "RSA-PSS", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const valid = await crypto.subtle.verify(
    pss ? { name: "RSA-PSS", saltLength: 32 } : { name: "RSASSA-PKCS1-v1_5" },
    key,
    b64urlBytes(parts[2]!),
    new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
  );
  if (!valid) return fail("AADSTS700027: Client assertion failed signature validation.");
  if (claims.aud !== c.tokenUrl) return fail(`AADSTS700212 (fake): The client assertion audience ${String(claims.aud)} is not this token endpoint.`);
  if (claims.iss !== c.clientId || claims.sub !== c.clientId)
    return fail("AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter.");
  const { nbf, exp, jti } = claims;
  if (typeof exp !== "number" || typeof nbf !== "number" || typeof jti !== "string" || jti === "") {
    return fail("AADSTS50027 (fake): The client assertion lacks exp, nbf or jti.");
  }
  if (exp <= c.nowSeconds - SKEW_SECONDS || nbf > c.nowSeconds + SKEW_SECONDS || exp - nbf > c.maxLifetimeSeconds) {
    return fail("AADSTS700024: Client assertion is not within its valid time range.");
  }
  if (c.seenJtis.has(jti)) return fail("AADSTS700025 (fake): The client assertion was already used (jti replayed).");
  c.seenJtis.add(jti);
  return { ok: true, header, claims };
}
