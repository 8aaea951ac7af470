// Fake Microsoft Graph: GET /v1.0/servicePrincipals/appId=0000000a-…/endpoints (also the
// (appId='…') form), with decoys, paging through @odata.nextLink, odd switches and auth checks.
import { FAKE_CLOUDS } from "./clouds";
import type { MicrosoftFake } from "./fake";
import { GRAPH_ROLE, INTUNE_APP_ID, json, odataError } from "./fake-types";

const ENDPOINTS_PATH = new RegExp(`^/v1\\.0/servicePrincipals(?:/appId=${INTUNE_APP_ID}|\\(appId='${INTUNE_APP_ID}'\\))/endpoints$`, "i");

export function isGraphPath(path: string): boolean {
  return ENDPOINTS_PATH.test(path);
}

export interface DiscoverySwitches {
  omitScepEntry: boolean;
  /** Leave PkiConnectorFEService (the revocation feed) out of the list. */
  omitPkiEntry: boolean;
  /** "providerName" (default), "serviceNameOnly" (AAD Graph shape), "oddCase" (sCEPrequest…). */
  nameStyle: "providerName" | "serviceNameOnly" | "oddCase";
  /** Put the SCEP entry on the last page after decoys. */
  scepEntryLast: boolean;
  trailingSlash: boolean;
}

export function handleGraph(fake: MicrosoftFake, request: Request, url: URL): Response {
  if (request.method !== "GET") return odataError(405, "Request_BadRequest", "Method not allowed.");
  const token = fake.bearer(request);
  if (
    !token ||
    token.aud !== FAKE_CLOUDS[fake.options.cloud].graph ||
    token.exp <= fake.now() ||
    token.revoked ||
    token.tid !== fake.options.tenantId
  ) {
    return odataError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
  }
  if (!token.roles.includes(GRAPH_ROLE)) {
    return odataError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
  }
  const all = endpoints(fake);
  const pageSize = fake.options.discoveryPageSize || all.length;
  const skip = Number(url.searchParams.get("$skiptoken") ?? "0") || 0;
  const page = all.slice(skip, skip + pageSize);
  const body: Record<string, unknown> = {
    "@odata.context": `${url.origin}/v1.0/$metadata#servicePrincipals('${INTUNE_APP_ID}')/endpoints`,
    value: page,
  };
  if (skip + pageSize < all.length) {
    body["@odata.nextLink"] = `${url.origin}/v1.0/servicePrincipals/appId=${INTUNE_APP_ID}/endpoints?$skiptoken=${skip + pageSize}`;
  }
  return json(200, body);
}

function endpoints(fake: MicrosoftFake): Record<string, unknown>[] {
  const s = fake.discovery;
  const base = fake.origins.intune;
  const entry = (name: string, uri: string, capability = "") => {
    const e: Record<string, unknown> = {
      id: crypto.randomUUID(),
      deletedDateTime: null,
      capability,
      providerId: null,
      providerResourceId: null,
      uri,
    };
    if (s.nameStyle === "serviceNameOnly") e.serviceName = name;
    else e.providerName = name;
    return e;
  };
  const scepName = s.nameStyle === "oddCase" ? "sCePrEqUeStVaLiDaTiOnFeSeRvIcE" : "ScepRequestValidationFEService";
  const scep = entry(scepName, `${base}${fake.scepServicePath()}${s.trailingSlash ? "/" : ""}`);
  const decoys = [
    entry("IntuneAdvancedThreatProtectionService", `${base}/TrafficGateway/AdvancedThreatProtectionService`),
    ...(s.omitPkiEntry ? [] : [entry("PkiConnectorFEService", `${base}${fake.pkiServicePath()}`)]),
    entry("ScepRequestValidationFEServiceLegacy", `${base}/legacy/ShouldNotBeUsed`),
    entry("DeviceManagementFEService", `${base}/DeviceManagement/Gateway`),
  ];
  if (s.omitScepEntry) return decoys;
  return s.scepEntryLast ? [...decoys, scep] : [decoys[0]!, scep, ...decoys.slice(1)];
}
