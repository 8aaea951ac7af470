// What the fake knows of Microsoft's clouds: which OAuth resources each cloud's Entra issues tokens
// for. Written down here on its own (not imported from src/intune/clouds.ts) so the fake judges the
// Worker's scopes instead of agreeing with them by construction. Values: Microsoft Graph national
// cloud deployments (learn.microsoft.com/graph/deployments); Intune's US Government and China
// endpoint pages for the Intune API domains (see docs/configuration.md for what is confirmed).

export type FakeCloud = "public" | "usgov" | "usgov-dod" | "china";

export interface FakeCloudResources {
  graph: string;
  /** The Intune API resource with its trailing slash; the scope is this + "/.default". */
  intune: string;
}

export const FAKE_CLOUDS: Readonly<Record<FakeCloud, FakeCloudResources>> = Object.freeze({
  public: { graph: "https://graph.microsoft.com", intune: "https://api.manage.microsoft.com/" },
  usgov: { graph: "https://graph.microsoft.us", intune: "https://api.manage.microsoft.us/" },
  "usgov-dod": { graph: "https://dod-graph.microsoft.us", intune: "https://api.manage.microsoft.us/" },
  china: { graph: "https://microsoftgraph.chinacloudapi.cn", intune: "https://api.manage.microsoftonline.cn/" },
});

/** The scopes the Worker must ask of `cloud`: Graph with one slash, Intune with the reference's two. */
export function scopesOf(cloud: FakeCloud): { graph: string; intune: string } {
  const r = FAKE_CLOUDS[cloud];
  return { graph: `${r.graph}/.default`, intune: `${r.intune}/.default` };
}

/** Every cloud a resource identifier belongs to ([] for a resource no cloud knows). */
export function cloudsOfResource(resource: string): FakeCloud[] {
  const bare = resource.replace(/\/+$/, "");
  return (Object.keys(FAKE_CLOUDS) as FakeCloud[]).filter((c) => {
    const r = FAKE_CLOUDS[c];
    return r.graph === bare || r.intune.replace(/\/+$/, "") === bare;
  });
}
