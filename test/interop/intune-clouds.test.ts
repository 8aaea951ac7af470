// Clouds and credentials through the built Worker: the fake plays a GCC High tenant (Entra, Graph
// and Intune on three loopback origins) and refuses any other cloud's scope, as Entra does. A
// Worker with INTUNE_CLOUD=usgov enrolls, asking exactly for the US Government scopes; one left on
// the commercial default is refused (AADSTS500011) and never reaches Intune. A Worker with a
// certificate credential enrolls with client assertions the fake verified, and sends no secret.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { makeEntraCredential } from "../../scripts/lib/entra-credential";
import { createMicrosoftFake, FAKE_TENANT_ID, type MicrosoftFake } from "../fakes/microsoft/fake";
import { startMicrosoftFakeServer, type RunningFake } from "../fakes/microsoft/node-server";
import { intuneTrace, newKey, startIntuneStack } from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

let ca: TestCa;
let fake: MicrosoftFake;
let server: RunningFake;
const app = makeEntraCredential({ commonName: "interop app cert", days: 20 });

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Clouds Test CA" });
  fake = createMicrosoftFake({ cloud: "usgov", clientCertificates: [app.certDer] });
  server = await startMicrosoftFakeServer(fake);
});
afterAll(async () => {
  await server?.close();
  await ca?.cleanup();
});

async function enroll(extra: Record<string, string>, cn: string) {
  const s = await startIntuneStack(ca, { extra, shared: { fake, server } });
  try {
    const before = fake.requests.length;
    const r = await s.device.enroll({ key: newKey(), cn, challenge: fake.mintChallenge({ expectedSubject: `CN=${cn}` }) });
    const stats = await s.admin.stats();
    return { r, calls: fake.requests.slice(before), stats: stats as unknown as Record<string, unknown> };
  } finally {
    await s.stop();
  }
}

describe("a GCC High tenant", () => {
  test("INTUNE_CLOUD=usgov: the token requests go to the authority with the US Government scopes, Graph and Intune to their own origins", async () => {
    const { r, calls } = await enroll({ INTUNE_CLOUD: "usgov" }, "gcc-high-device");
    expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
    const seen = calls.map(
      (c) =>
        `${c.method} ${new URL(c.url).origin === server.authorityUrl ? "authority" : new URL(c.url).origin === server.graphUrl ? "graph" : new URL(c.url).origin === server.intuneUrl ? "intune" : c.url} ${c.service === "token" ? (c.body as { scope: string }).scope : new URL(c.url).pathname} ${c.status}`,
    );
    expect(seen).toEqual([
      "POST authority https://graph.microsoft.us/.default 200",
      "GET graph /v1.0/servicePrincipals/appId=0000000a-0000-0000-c000-000000000000/endpoints 200",
      "POST authority https://api.manage.microsoft.us//.default 200",
      `POST intune ${fake.scepServicePath()}/ScepActions/validateRequest 200`,
      `POST intune ${fake.scepServicePath()}/ScepActions/successNotification 200`,
    ]);
    expect(new URL(calls[0]!.url).pathname).toBe(`/${FAKE_TENANT_ID}/oauth2/v2.0/token`);
  });

  test("left on the commercial default: Entra refuses the scope (AADSTS500011), Intune is never called, the device gets FAILURE", async () => {
    const { r, calls } = await enroll({}, "wrong-cloud-device");
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.failInfoText).toContain("TokenError");
    const tokens = calls.filter((c) => c.service === "token");
    expect(tokens.map((c) => `${(c.body as { scope: string }).scope} ${c.status}`)).toEqual(["https://graph.microsoft.com/.default 400"]);
    expect(calls.filter((c) => c.service === "intune" || c.service === "graph")).toEqual([]);
  });
});

describe("a certificate credential", () => {
  test("the Worker signs client assertions the fake verifies, sends no secret, and the stats warn of the certificate's expiry", async () => {
    const assertionsBefore = fake.assertions.length;
    const { r, calls, stats } = await enroll(
      { INTUNE_CLOUD: "usgov", INTUNE_CLIENT_SECRET: "", INTUNE_CLIENT_CERT: app.certPem, INTUNE_CLIENT_KEY: app.keyPem },
      "cert-credential-device",
    );
    expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
    const judged = fake.assertions.slice(assertionsBefore);
    expect(judged.map((a) => a.accepted)).toEqual([true, true]);
    for (const c of calls.filter((x) => x.service === "token")) {
      const form = c.body as Record<string, string>;
      expect(form.client_secret).toBeUndefined();
      expect(form.client_assertion_type).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    }
    expect(intuneTrace(fake).slice(-2)).toEqual(["validateRequest:200:Success", "successNotification:200:Success"]);
    expect(stats.intune).toMatchObject({
      cloud: "usgov",
      credential: { kind: "certificate", daysLeft: 19, warning: expect.stringContaining("certificate expires in 19 days") },
    });
  });
});
