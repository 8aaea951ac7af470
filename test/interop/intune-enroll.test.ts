// Intune challenge validation end to end: the built Worker (Miniflare on 127.0.0.1) against the
// Microsoft fake served over HTTP on 127.0.0.1 (test/fakes/microsoft). The Worker reaches the fake
// only through ENTRA_AUTHORITY_URL / GRAPH_BASE_URL. Wire contract: docs/intune-validation-api.md.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { INTUNE_AUDIENCE } from "../fakes/microsoft/fake";
import {
  b64,
  CALLER_INFO,
  GUID,
  intuneTrace,
  newKey,
  notAfterOf,
  serialUpper,
  sha1Upper,
  startIntuneStack,
  type DeviceKey,
  type IntuneStack,
} from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

let ca: TestCa;
let key: DeviceKey;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Interop Test CA" });
  key = newKey();
});
afterAll(async () => {
  await ca?.cleanup();
});

describe("success", () => {
  let s: IntuneStack;
  beforeAll(async () => {
    s = await startIntuneStack(ca);
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("a minted challenge for the CSR's subject and SANs enrolls; validate then successNotification with the exact body", async () => {
    const challenge = s.fake.mintChallenge({
      expectedSubject: "O=Contoso,CN=device-1",
      expectedSans: ["dns:device-1.contoso.example"],
      keyBits: 2048,
    });
    const r = await s.device.enroll({ key, cn: "device-1", organization: "Contoso", challenge, dnsNames: ["device-1.contoso.example"] });
    expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
    const cert = r.certDer!;
    expect(intuneTrace(s.fake)).toEqual(["validateRequest:200:Success", "successNotification:200:Success"]);
    const [validate, success] = s.fake.requestsTo("intune");
    expect(validate!.body).toEqual({ request: { transactionId: r.transactionId, certificateRequest: b64(r.csrDer), callerInfo: CALLER_INFO } });

    const [item] = await s.admin.byTransaction(r.transactionId);
    expect(item).toBeDefined();
    expect(item!.serial.toUpperCase()).toBe(serialUpper(cert));
    const n = (success!.body as { notification: Record<string, unknown> }).notification;
    expect(Object.keys(n).sort()).toEqual(
      [
        "transactionId",
        "certificateRequest",
        "certificateThumbprint",
        "certificateSerialNumber",
        "certificateExpirationDateUtc",
        "issuingCertificateAuthority",
        "callerInfo",
        "caConfiguration",
        "certificateAuthority",
      ].sort(),
    );
    expect(n.transactionId).toBe(r.transactionId);
    expect(n.certificateRequest).toBe(b64(r.csrDer));
    expect(n.certificateThumbprint).toBe(sha1Upper(cert));
    expect(n.certificateSerialNumber).toBe(item!.serial.toUpperCase());
    expect(n.certificateExpirationDateUtc).toBe(notAfterOf(cert).toISOString());
    expect(n.issuingCertificateAuthority).toMatch(/CN=Intune Interop Test CA/);
    expect(n.callerInfo).toBe(CALLER_INFO);
    expect(n.caConfiguration).toEqual(expect.any(String));
    expect(n.certificateAuthority).toEqual(expect.any(String));
    expect(String(n.caConfiguration).length).toBeGreaterThan(0);
    expect(String(n.certificateAuthority).length).toBeGreaterThan(0);

    const ids = new Set<string>();
    for (const call of [validate!, success!]) {
      expect(call.headers["api-version"]).toBe("2018-02-20");
      expect(call.headers["client-request-id"]).toMatch(GUID);
      ids.add(call.headers["client-request-id"]!);
      const bearer = /^Bearer (\S+)$/.exec(call.headers.authorization ?? "")?.[1];
      expect(bearer).toBeDefined();
      expect(s.fake.tokens.get(bearer!)?.aud).toBe(INTUNE_AUDIENCE);
      expect(call.headers["client-request-id"]).not.toBe(r.transactionId);
    }
    expect(ids.size).toBe(2);
    expect(s.fake.notifications.filter((x) => x.kind === "failure")).toEqual([]);
  });
});
