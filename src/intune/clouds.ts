// Microsoft clouds Intune runs in (INTUNE_CLOUD). Each preset names the Entra authority, the Graph
// service root and the two OAuth resources the Worker asks tokens for. Sources, and which values are
// not confirmed, are in docs/configuration.md ("National clouds").
//
// A token is asked for one resource at a time with the scope `<resource>/.default`, as the reference
// library does (MsalClient.cs, IntuneClient.cs): the Graph resource has no trailing slash, the Intune
// resource keeps the reference's trailing slash, so its scope has a double slash
// (`https://api.manage.microsoft.com//.default`). Entra answers AADSTS500011 for a resource of
// another cloud, so no scope is ever written down apart from its cloud.

export type CloudName = "public" | "usgov" | "usgov-dod" | "china";
export const CLOUD_NAMES: readonly CloudName[] = ["public", "usgov", "usgov-dod", "china"];

export interface CloudPreset {
  /** Entra ID token service root, no trailing slash. */
  authorityUrl: string;
  /** Microsoft Graph service root; also the Graph OAuth resource. No trailing slash. */
  graphBaseUrl: string;
  /** The Intune API's OAuth resource, with the reference library's trailing slash. */
  intuneResourceUrl: string;
}

export const CLOUDS: Readonly<Record<CloudName, CloudPreset>> = Object.freeze({
  // Commercial and GCC (GCC uses the commercial endpoints).
  public: {
    authorityUrl: "https://login.microsoftonline.com",
    graphBaseUrl: "https://graph.microsoft.com",
    intuneResourceUrl: "https://api.manage.microsoft.com/",
  },
  // GCC High (US Government L4).
  usgov: {
    authorityUrl: "https://login.microsoftonline.us",
    graphBaseUrl: "https://graph.microsoft.us",
    intuneResourceUrl: "https://api.manage.microsoft.us/",
  },
  // DoD (US Government L5): own Graph host, the US Government authority and Intune domain.
  "usgov-dod": {
    authorityUrl: "https://login.microsoftonline.us",
    graphBaseUrl: "https://dod-graph.microsoft.us",
    intuneResourceUrl: "https://api.manage.microsoft.us/",
  },
  // Operated by 21Vianet. The Intune resource follows Intune's *.manage.microsoftonline.cn domain
  // there and is not confirmed: set INTUNE_RESOURCE_URL if Entra refuses it.
  china: {
    authorityUrl: "https://login.chinacloudapi.cn",
    graphBaseUrl: "https://microsoftgraph.chinacloudapi.cn",
    intuneResourceUrl: "https://api.manage.microsoftonline.cn/",
  },
});

/** Hosts that belong to known clouds, so a URL of one cloud configured next to another's preset is caught. */
const KNOWN_HOSTS: Readonly<Record<string, readonly CloudName[]>> = Object.freeze({
  "login.microsoftonline.com": ["public"],
  "login.microsoft.com": ["public"],
  "graph.microsoft.com": ["public"],
  "api.manage.microsoft.com": ["public"],
  "login.microsoftonline.us": ["usgov", "usgov-dod"],
  "graph.microsoft.us": ["usgov"],
  "dod-graph.microsoft.us": ["usgov-dod"],
  "api.manage.microsoft.us": ["usgov", "usgov-dod"],
  "login.chinacloudapi.cn": ["china"],
  "login.partner.microsoftonline.cn": ["china"],
  "microsoftgraph.chinacloudapi.cn": ["china"],
  "api.manage.microsoftonline.cn": ["china"],
});

/** The clouds a URL's host is known to belong to, or undefined for any other host (a proxy, a local fake). */
export function cloudsOfUrl(url: string): readonly CloudName[] | undefined {
  try {
    return KNOWN_HOSTS[new URL(url).hostname.toLowerCase()];
  } catch {
    return undefined;
  }
}

/** `<resource>/.default` for Graph: one slash between the root and `.default`. */
export function graphScope(graphResource: string): string {
  return `${graphResource.replace(/\/+$/, "")}/.default`;
}

/** INTUNE_RESOURCE_URL + "/.default", the resource kept with one trailing slash (hence `//.default`). */
export function intuneScope(intuneResource: string): string {
  return `${intuneResource.replace(/\/+$/, "")}//.default`;
}
