// Mixed mode (CHALLENGE_MODE=intune,static) routing and the Intune configuration checks of the
// built Worker: a bad setting makes every request answer 503 naming the setting, never a secret.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus, FailInfo } from "../../src/scep/oids";
import { createMicrosoftFake, FAKE_CLIENT_SECRET, type MicrosoftFake } from "../fakes/microsoft/fake";
import { startMicrosoftFakeServer, type RunningFake } from "../fakes/microsoft/node-server";
import {
  ADMIN_TOKEN,
  intuneBindings,
  intuneTrace,
  newKey,
  STATIC_SECRET,
  startIntuneStack,
  type DeviceKey,
  type IntuneStack,
} from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker } from "../../scripts/lib/worker-server";

let ca: TestCa;
let key: DeviceKey;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Config Test CA" });
  key = newKey();
});
afterAll(async () => {
  await ca?.cleanup();
});

describe("CHALLENGE_MODE=intune,static", () => {
  let s: IntuneStack;
  beforeAll(async () => {
    s = await startIntuneStack(ca, { extra: { CHALLENGE_MODE: "intune,static", SCEP_CHALLENGE: STATIC_SECRET } });
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("the static secret enrolls without any call to the fake (no token, no Graph, no Intune)", async () => {
    const r = await s.device.enroll({ key, cn: "static-device", challenge: STATIC_SECRET });
    expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
    expect(s.fake.requests).toEqual([]);
    expect(await s.admin.byTransaction(r.transactionId)).toHaveLength(1);
  });

  test("an Intune challenge goes to Intune and enrolls", async () => {
    const r = await s.device.enroll({ key, cn: "intune-device", challenge: s.fake.mintChallenge({ expectedSubject: "CN=intune-device" }) });
    expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
    expect(intuneTrace(s.fake)).toEqual(["validateRequest:200:Success", "successNotification:200:Success"]);
  });

  test("anything else (a wrong static secret too) goes to Intune, which refuses it", async () => {
    for (const challenge of [`${STATIC_SECRET}x`, "otc_not-enabled-here", "something"]) {
      const before = s.fake.requestsTo("intune", "validateRequest").length;
      const r = await s.device.enroll({ key, cn: "other-device", challenge });
      expect(r.status).toBe(PkiStatus.FAILURE);
      expect(r.failInfo).toBe(FailInfo.badRequest);
      expect(r.failInfoText).toContain("ChallengeDecryptionError");
      expect(s.fake.requestsTo("intune", "validateRequest")).toHaveLength(before + 1);
    }
    // Again no traffic for the static secret after Intune has been used.
    const before = s.fake.requests.length;
    const r = await s.device.enroll({ key, cn: "static-device-2", challenge: STATIC_SECRET });
    expect(r.status).toBe(PkiStatus.SUCCESS);
    expect(s.fake.requests.length).toBe(before);
  });
});

describe("configuration errors: 503 naming the setting on every route", () => {
  let fake: MicrosoftFake;
  let server: RunningFake;
  beforeAll(async () => {
    fake = createMicrosoftFake();
    server = await startMicrosoftFakeServer(fake);
  });
  afterAll(async () => {
    await server?.close();
  });

  const SECRET_FRAGMENTS = () => [
    FAKE_CLIENT_SECRET,
    ADMIN_TOKEN,
    STATIC_SECRET,
    // A line from the middle of the CA private key.
    ca.keyPem.split("\n")[5]!,
  ];

  async function expect503Everywhere(bindings: Record<string, string>, setting: string): Promise<void> {
    const w = await startWorker({ bindings });
    try {
      const routes: [string, RequestInit?][] = [
        ["/scep?operation=GetCACaps"],
        ["/scep?operation=GetCACert&message=ca"],
        [
          "/scep?operation=PKIOperation",
          { method: "POST", headers: { "content-type": "application/x-pki-message" }, body: new Uint8Array([0x30, 0x00]) },
        ],
        ["/cgi-bin/pkiclient.exe?operation=GetCACaps"],
        ["/crl"],
        ["/ca.crt"],
        ["/admin/stats", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }],
      ];
      for (const [path, init] of routes) {
        const res = await fetch(`${w.origin}${path}`, init);
        const body = await res.text();
        expect(res.status, `${path}: ${body}`).toBe(503);
        expect(body).toContain(setting);
        for (const secret of SECRET_FRAGMENTS()) expect(body).not.toContain(secret);
      }
      expect(fake.requests).toEqual([]);
    } finally {
      await w.stop();
    }
  }

  test("CHALLENGE_MODE=intune without INTUNE_CLIENT_SECRET", async () => {
    const bindings = intuneBindings(ca, server, { SCEP_CHALLENGE: STATIC_SECRET });
    delete bindings.INTUNE_CLIENT_SECRET;
    await expect503Everywhere(bindings, "INTUNE_CLIENT_SECRET");
  });

  test("GRAPH_BASE_URL=http://example.com (plain http to a non-loopback host)", async () => {
    await expect503Everywhere(intuneBindings(ca, server, { GRAPH_BASE_URL: "http://example.com", SCEP_CHALLENGE: STATIC_SECRET }), "GRAPH_BASE_URL");
  });

  test("ENTRA_AUTHORITY_URL with credentials, INTUNE_CLIENT_ID not a GUID", async () => {
    await expect503Everywhere(
      intuneBindings(ca, server, { ENTRA_AUTHORITY_URL: `https://user:${FAKE_CLIENT_SECRET}@login.example.com` }),
      "ENTRA_AUTHORITY_URL",
    );
    await expect503Everywhere(intuneBindings(ca, server, { INTUNE_CLIENT_ID: "not-a-guid" }), "INTUNE_CLIENT_ID");
  });
});
