// Certificate profiles against the built Worker: the profile, not the request, decides validity,
// key usage, extended key usage and accepted keys, unless it honours requests (honourRequest; by
// default only Intune-validated ones: test/interop/intune-matrix); it is chosen per challenge kind
// and per /scep/<profile> path (only for the kinds it lists), and a renewal keeps its certificate's profile.
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { parseCertView } from "../../src/x509/cert-view";
import { buildRequest, randomOctets as rb } from "../../src/client/enrollment";
import { certPem, newRsaKey } from "../../src/client/certificates";
import { rawCsr } from "../support/independent-pki";
import { cn } from "../support/name-der";
import { MessageType, ScepTestClient, openssl } from "./support/admin-client";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `profiles-${crypto.randomUUID()}`;
const DAY = 86_400_000;

const PROFILES = {
  static: { validityDays: 20 },
  network: { validityDays: 10, extendedKeyUsage: ["serverAuth", "clientAuth"], keyUsage: ["digitalSignature"], challengeKinds: ["static"] },
  locked: { extendedKeyUsage: ["ipsecIKE"] },
  big: { rsaBits: [3072, 4096], challengeKinds: ["static"] },
  asked: { honourRequest: "always", challengeKinds: ["static"] },
};

let ca: TestCa;
let worker: RunningWorker;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Trust Profiles Test CA", days: 60 });
  worker = await startWorker({
    bindings: {
      CA_CERT: ca.certPem,
      CA_KEY: ca.keyPem,
      SCEP_CHALLENGE: CHALLENGE,
      CHALLENGE_MODE: "static",
      CERT_PROFILES: JSON.stringify(PROFILES),
    },
  });
});
afterAll(async () => {
  await worker?.stop();
  await ca?.cleanup();
});

async function enrollAt(path: string, cn: string, bits = 2048) {
  const scep = await ScepTestClient.connect(`${worker.origin}${path}`);
  const key = newRsaKey(bits);
  const reply = await scep.send(scep.pkcsReq({ key, cn, challenge: CHALLENGE }));
  return { scep, key, reply };
}

async function ext(der: Uint8Array): Promise<string> {
  return (await openssl(["x509", "-noout", "-ext", "keyUsage,extendedKeyUsage"], { input: certPem(der) })).stdout;
}

function days(der: Uint8Array): number {
  const x = new X509Certificate(Buffer.from(der));
  return Math.round((x.validToDate.getTime() - Date.now()) / DAY);
}

describe("profiles", () => {
  test("a profile named after the kind applies to that kind's requests at /scep", async () => {
    const { reply } = await enrollAt("/scep", "plain");
    expect(reply.status, reply.failInfoText).toBe(PkiStatus.SUCCESS);
    expect(days(reply.certificates[0]!)).toBe(20);
    expect(await ext(reply.certificates[0]!)).toMatch(/Digital Signature, Key Encipherment[\s\S]*TLS Web Client Authentication\n/);
  });

  test("/scep/network/pkiclient.exe selects the network profile: its EKUs, key usage and validity", async () => {
    const { reply } = await enrollAt("/scep/network/pkiclient.exe", "switch-1");
    expect(reply.status, reply.failInfoText).toBe(PkiStatus.SUCCESS);
    const text = await ext(reply.certificates[0]!);
    expect(text).toMatch(/Key Usage: critical\s*\n\s*Digital Signature\n/);
    expect(text).toContain("TLS Web Server Authentication, TLS Web Client Authentication");
    expect(days(reply.certificates[0]!)).toBe(10);
  });

  test("a profile that lists no challenge kinds cannot be reached by path", async () => {
    const { reply } = await enrollAt("/scep/locked", "sneaky");
    expect(reply.status).toBe(PkiStatus.FAILURE);
    expect(reply.failInfoText).toBe('profile "locked" does not accept static requests');
  });

  test("a profile's key sizes: a 2048-bit key is refused by a 3072–4096 profile, with the reason", async () => {
    const { reply } = await enrollAt("/scep/big", "small-key");
    expect(reply.failInfoText).toBe('key refused: RSA key of 2048 bits is outside profile "big" (3072–4096)');
  });

  test("a renewal keeps the profile of the certificate it renews, whatever path it comes in at", async () => {
    const { scep, key, reply } = await enrollAt("/scep/network", "switch-2");
    const old = reply.certificates[0]!;
    const plain = await ScepTestClient.connect(`${worker.origin}/scep`);
    const next = newRsaKey();
    const req = buildRequest({
      messageType: MessageType.RenewalReq,
      csrDer: rawCsr({ key: next.handle, subjectDer: parseCertView(old).subjectDer }),
      signer: { cert: old, key: key.handle },
      recipients: plain.ca.recipients,
      cipher: "aes-128-cbc",
      hash: "sha256",
      transactionId: `tx-${Buffer.from(rb(8)).toString("hex")}`,
    });
    void scep;
    const renewed = await plain.send(req);
    expect(renewed.status, renewed.failInfoText).toBe(PkiStatus.SUCCESS);
    expect(await ext(renewed.certificates[0]!)).toContain("TLS Web Server Authentication, TLS Web Client Authentication");
    expect(days(renewed.certificates[0]!)).toBe(10);
  });
});

describe("what a static request asks for (key usage, EKU, validity)", () => {
  const bits = (byte: number, unused: number) => Uint8Array.of(0x03, 0x02, unused, byte);
  const ekus = (...oids: string[]) =>
    Uint8Array.from(Buffer.concat([Buffer.of(0x30, oids.length * 10), ...oids.map((o) => Buffer.from(`0608${o}`, "hex"))]));
  const SERVER_AUTH = "2b06010505070301";
  const CODE_SIGNING = "2b06010505070303";
  async function ask(path: string, commonName: string, eku: string) {
    const scep = await ScepTestClient.connect(`${worker.origin}${path}`);
    const key = newRsaKey();
    const csrDer = rawCsr({
      key: key.handle,
      subjectDer: cn(commonName),
      challenge: CHALLENGE,
      extensions: [
        { oid: "2.5.29.15", critical: true, value: bits(0x20, 5) },
        { oid: "2.5.29.37", value: ekus(eku) },
      ],
      nameValuePairs: [
        ["ValidityPeriod", "Days"],
        ["ValidityPeriodUnits", "5"],
      ],
    });
    return scep.send(scep.pkcsReq({ key, cn: commonName, challenge: CHALLENGE, csrDer }));
  }

  test("is ignored by a profile that does not honour requests (static requests, by default): the profile's values, as before", async () => {
    const reply = await ask("/scep", "asks-plain", CODE_SIGNING);
    expect(reply.status, reply.failInfoText).toBe(PkiStatus.SUCCESS);
    expect(await ext(reply.certificates[0]!)).toMatch(/Digital Signature, Key Encipherment[\s\S]*TLS Web Client Authentication\n/);
    expect(days(reply.certificates[0]!)).toBe(20);
  });

  test("is issued by a profile with honourRequest: always, within its allow-lists", async () => {
    const reply = await ask("/scep/asked", "asks-honoured", SERVER_AUTH);
    expect(reply.status, reply.failInfoText).toBe(PkiStatus.SUCCESS);
    expect(await ext(reply.certificates[0]!)).toMatch(/Key Usage: critical\s*\n\s*Key Encipherment\n[\s\S]*TLS Web Server Authentication\n/);
    expect(days(reply.certificates[0]!)).toBe(5);
  });

  test("…and refused there when it asks for more, with the reason (never issued without it)", async () => {
    const reply = await ask("/scep/asked", "asks-too-much", CODE_SIGNING);
    expect(reply.status).toBe(PkiStatus.FAILURE);
    expect(reply.failInfoText).toBe('extended key usage 1.3.6.1.5.5.7.3.3 (codeSigning) is not allowed by profile "asked" (allowedExtendedKeyUsage)');
  });
});

describe("profiles are checked at start", () => {
  test.each([
    [{ bad: { extendedKeyUsage: ["anyExtendedKeyUsage"] } }, /CERT_PROFILES\.bad\.extendedKeyUsage: use known names/],
    [{ bad: { extendedKeyUsage: ["2.5.29.37.0"] } }, /CERT_PROFILES\.bad\.extendedKeyUsage: anyExtendedKeyUsage is never granted/],
    [
      { bad: { keyUsage: ["keyCertSign"] } },
      /CERT_PROFILES\.bad\.keyUsage: use digitalSignature, .* \(keyCertSign and cRLSign are never granted to a device\)/,
    ],
    [{ bad: { validityDays: 0 } }, /CERT_PROFILES\.bad\.validityDays: must be an integer from 1 to 3650/],
    [{ bad: { colour: "blue" } }, /CERT_PROFILES\.bad\.colour: unknown field/],
    [{ bad: { rsaBits: [1024, 4096] } }, /CERT_PROFILES\.bad\.rsaBits: keys under 2048 bits are weak: accept them only with allowWeakRsa1024: true/],
    ["{not json", /CERT_PROFILES: not valid JSON/],
  ])("%j answers 503 naming the field", async (profiles, message) => {
    const w = await startWorker({
      bindings: {
        CA_CERT: ca.certPem,
        CA_KEY: ca.keyPem,
        SCEP_CHALLENGE: CHALLENGE,
        CERT_PROFILES: typeof profiles === "string" ? profiles : JSON.stringify(profiles),
      },
    });
    try {
      const res = await fetch(`${w.url}?operation=GetCACaps`);
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(message);
    } finally {
      await w.stop();
    }
  });
});
