// Shared state and options of the Microsoft fake (Entra token endpoint, Graph discovery, Intune
// ScepActions and the revocation feed), per docs/intune-validation-api.md ("The fake").
import { scopesOf, type FakeCloud } from "./clouds";

export const FAKE_TENANT_ID = "11111111-2222-4333-8444-555555555555";
export const FAKE_TENANT_DOMAIN = "edgescep-test.onmicrosoft.com";
export const FAKE_CLIENT_ID = "66666666-7777-4888-9999-aaaaaaaaaaaa";
export const FAKE_CLIENT_SECRET = "fake-secret~not-a-real-one";
/** The public cloud's Intune token audience. */
export const INTUNE_AUDIENCE = "https://api.manage.microsoft.com/";
/** The public cloud's scopes, as the Worker must send them by default. */
export const GRAPH_SCOPE = scopesOf("public").graph;
export const INTUNE_SCOPE = scopesOf("public").intune;
/** In-process origins of the three roles (node-server.ts replaces them with loopback servers). */
export const FAKE_ORIGINS = Object.freeze({
  authority: "https://login.fake.test",
  graph: "https://graph.fake.test",
  intune: "https://fef.intune.fake.test",
});
export const INTUNE_APP_ID = "0000000a-0000-0000-c000-000000000000";
export const SCEP_ROLE = "scep_challenge_provider";
export const GRAPH_ROLE = "Application.Read.All";

export interface MicrosoftFakeOptions {
  tenantId?: string;
  /** Accepted in the token URL in place of the GUID. */
  tenantDomain?: string;
  clientId?: string;
  clientSecret?: string;
  /** Roles of the Intune token; drop "scep_challenge_provider" to get 401s from ScepActions. */
  intuneRoles?: string[];
  /** Roles of the Graph token; drop "Application.Read.All" to get 403s from discovery. */
  graphRoles?: string[];
  /** Seconds; default 3599. */
  tokenExpiresIn?: number;
  /** "alternate" (default) answers a number, then a string, then a number… */
  expiresInFormat?: "number" | "string" | "alternate";
  /** Accept `https://api.manage.microsoft.com/.default` (single slash). Default false. */
  acceptSingleSlashIntuneScope?: boolean;
  /** The cloud this Entra belongs to: a scope of another cloud is refused (AADSTS500011). Default public. */
  cloud?: FakeCloud;
  /** Where each role answers; a request to another origin fails like an unknown host. Default FAKE_ORIGINS. */
  origins?: Partial<FakeOrigins>;
  /** Shorthand for origins.intune (the origin of the discovered service URIs). */
  intuneBaseUrl?: string;
  /** DER certificates registered on the app: client assertions signed by their keys are accepted. */
  clientCertificates?: Uint8Array[];
  /** Longest exp − nbf a client assertion may span; default 600 s (Microsoft: 5–10 minutes). */
  maxAssertionSeconds?: number;
  /** Fake clock (epoch ms) for token and challenge expiry; default Date.now. */
  now?: () => number;
  /** Strict header/body checks on ScepActions (400 on violations). Default true. */
  strict?: boolean;
  /** Endpoints per Graph page; default 0 = one page. */
  discoveryPageSize?: number;
  /** Upper bound of a "hang" fault when the caller never aborts; default 60 000 ms. */
  maxHangMs?: number;
}

export interface ChallengeOptions {
  tenantId?: string;
  /** "CN=device-1,O=Contoso": compared RDN by RDN, in order. */
  expectedSubject?: string;
  /** e.g. ["dns:device-1.contoso.com", "upn:user@contoso.com", "email:…", "uri:…"]; compared as a set. */
  expectedSans?: string[];
  keyBits?: number;
  /** KeyUsage bit mask as the first two bytes of the BIT STRING (0xa000 = digitalSignature|keyEncipherment). */
  keyUsageBits?: number;
  ekus?: string[];
  /**
   * The profile's validity, which Windows and Android send as ValidityPeriod/ValidityPeriodUnits
   * (Android swaps the two: compared as a pair in either order). Whether Intune itself checks it is
   * not documented: a mismatch answers the fake's own code ValidityPeriodMismatch.
   */
  validity?: { period: string; units: number };
  notBefore?: Date;
  /** Default: 60 minutes after minting (by the fake clock). */
  notAfter?: Date;
  targeted?: boolean;
  deviceId?: string;
  userId?: string;
  /** Answer this code on validateRequest regardless of the CSR (codes the fake cannot derive). */
  forceCode?: string;
  /** Bytes of randomness in the challenge string (base64-encoded); default 96. */
  size?: number;
}

export interface FakeOrigins {
  authority: string;
  graph: string;
  intune: string;
}

export type FaultTarget =
  | "token"
  | "discovery"
  | "validateRequest"
  | "successNotification"
  | "failureNotification"
  | "scep"
  | "downloadRevocationRequests"
  | "uploadRevocationResults";
export type FaultKind =
  | "400"
  | "401"
  | "403"
  | "404"
  | "500"
  | "503"
  | "hang"
  | "reset"
  | "nonJson"
  | "unknownCode"
  | "missingCode"
  | "nullDescription";

export interface LoggedRequest {
  service: "token" | "graph" | "intune" | "pki" | "admin" | "unknown";
  /** Scope (token), "endpoints" (graph), the ScepActions name or the revocation operation. */
  operation?: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Parsed JSON or form (client_secret and client_assertion redacted), else the raw text. */
  body?: unknown;
  status: number;
  fault?: FaultKind;
  /** Business code of a 200 ScepActions answer. */
  code?: string;
}

export interface IssuedToken {
  /** The resource the token is for: the cloud's Graph root, or its Intune resource with the slash. */
  aud: string;
  tid: string;
  appid: string;
  roles: string[];
  scope: string;
  exp: number;
  revoked: boolean;
}

export interface Notification {
  kind: "success" | "failure";
  clientRequestId: string;
  notification: Record<string, unknown>;
}

/** Thrown by the handler to simulate a connection reset (the Node server destroys the socket). */
export class FakeConnectionReset extends TypeError {
  constructor() {
    super("fetch failed: connection reset by the Microsoft fake");
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
}

export function odataError(status: number, code: string, message: string): Response {
  return json(status, { error: { code, message, innerError: { date: new Date().toISOString() } } });
}
