// Microsoft's partner-CA test matrix (microsoft/Intune-Resource-Access, src/CsrValidation/doc/
// TestMatrix.csv), the rows about what a device gets: one test per row and platform. Each builds the
// CSR the way that platform builds it from the Intune profile (support/intune-platforms.ts), mints a
// challenge whose expectations are that profile's (the fake's validateRequest checks the CSR against
// them), enrolls through the built Worker, and reads the certificate with node's X509Certificate and
// openssl. The renewal and failure rows: intune-matrix-flows.test.ts. Map: docs/intune-matrix.md.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PkiStatus } from "../../src/scep/oids";
import { intuneTrace, newKey, startIntuneStack, type DeviceKey, type IntuneStack } from "./support/intune-harness";
import { expectations, PLATFORMS, platformCsr, sansOf, TRAITS, type IntuneProfile, type Platform } from "./support/intune-platforms";
import { OPENSSL_KEY_USAGE, OPENSSL_LABEL, viewIssued } from "./support/issued-cert";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const IPSEC_TUNNEL = "1.3.6.1.5.5.7.3.6";
const DAY = 86_400_000;
const BACKDATE_MS = 1440 * 60_000; // CERT_BACKDATE_MINUTES' default

/** The CA side: the Intune profile honours requests (the default); Apple rows that need a value the CSR cannot carry use a path. */
const CA_PROFILES = {
  intune: { validityDays: 365, maxValidityDays: 730 },
  "apple-30d": { validityDays: 30, challengeKinds: ["intune"] },
  "apple-ipsec": { extendedKeyUsage: ["ipsecTunnel"], challengeKinds: ["intune"] },
  weak: { rsaBits: [1024, 4096], allowWeakRsa1024: true, challengeKinds: ["intune"] },
} as const;

const BASE: IntuneProfile = {
  subject: [["CN", "matrix-device"]],
  sans: [],
  keyUsage: "both",
  keyBits: 2048,
  hash: "sha256",
  ekus: [CLIENT_AUTH],
  validity: { period: "Days", units: 365 },
};
const USER = "zoe.woelfl@contoso.example";
const SID = "S-1-5-21-1004336348-1177238915-682003330-512";

interface Row {
  /** The matrix row, as TestMatrix.csv names it (or "beyond the matrix"). */
  matrix: string;
  profile: Partial<IntuneProfile>;
  /** For Apple devices, whose CSR carries no EKU or validity: the CA profile set to the Intune profile's value. */
  applePath?: keyof typeof CA_PROFILES;
  path?: keyof typeof CA_PROFILES;
  /** Platforms the row does not apply to, and why. */
  notFor?: { platforms: Platform[]; why: string };
}

const NO_HASH = { platforms: ["ios", "macos"] as Platform[], why: "N/A in the matrix: Apple's SCEP payload has no hash setting" };

const ROWS: Row[] = [
  { matrix: "Validation Period Configuration", profile: { validity: { period: "Days", units: 30 } }, applePath: "apple-30d" },
  { matrix: "SN Format: Common Name", profile: { subject: [["CN", "Zoë Wölfl"]] } },
  {
    matrix: "SN Format: Common Name with email",
    profile: {
      subject: [
        ["CN", "Zoë Wölfl"],
        ["E", USER],
      ],
    },
  },
  { matrix: "SN Format: Common name as email", profile: { subject: [["CN", USER]] } },
  {
    matrix: "SN Format: IMEI",
    profile: { subject: [["CN", "356938035643809"]] },
    notFor: { platforms: ["macos"], why: "a Mac has no IMEI: Intune fails such a profile on the device" },
  },
  { matrix: "SN Format: Serial number", profile: { subject: [["CN", "C02XK1ABJG5H"]] } },
  {
    matrix: "SN Format: Custom",
    profile: {
      subject: [
        ["CN", "zoe"],
        ["E", USER],
        ["OU", "Mobile"],
        ["O", "Finance Group"],
        ["L", "Redmond"],
        ["ST", "Washington"],
        ["C", "US"],
      ],
    },
  },
  { matrix: "SAN: Email", profile: { sans: [["email", USER]], userSid: SID } },
  { matrix: "SAN: UPN", profile: { sans: [["upn", USER]], userSid: SID } },
  {
    matrix: "SAN: Email and UPN",
    profile: {
      sans: [
        ["email", USER],
        ["upn", USER],
      ],
      userSid: SID,
    },
  },
  { matrix: "Key Usage: Digital signature", profile: { keyUsage: "digitalSignature" } },
  { matrix: "Key Usage: Key encipherment", profile: { keyUsage: "keyEncipherment" } },
  { matrix: "Key Usage: Digital signature and Key encipherment", profile: { keyUsage: "both" } },
  { matrix: "Key Size: 1024", profile: { keyBits: 1024 }, path: "weak" },
  { matrix: "Key Size: 2048", profile: { keyBits: 2048 } },
  { matrix: "Hash Alg: SHA-1", profile: { hash: "sha1" }, notFor: NO_HASH },
  { matrix: "Hash Alg: SHA-2", profile: { hash: "sha256" }, notFor: NO_HASH },
  // Which of the two the device then signs with is not documented: the rows above accept each.
  { matrix: "Hash Alg: SHA-1 & SHA-2 (the device signs with SHA-2)", profile: { hash: "sha256" }, notFor: NO_HASH },
  { matrix: "Extended Key Usage: Client Authentication", profile: { ekus: [CLIENT_AUTH] } },
  { matrix: "Extended Key Usage: Ipsec Tunnel", profile: { ekus: [IPSEC_TUNNEL] }, applePath: "apple-ipsec" },
  { matrix: "beyond the matrix: SAN DNS name and the SID URI", profile: { sans: [["dns", "matrix-device.corp.contoso.example"]], userSid: SID } },
  {
    matrix: "beyond the matrix: a custom DN with the serialNumber attribute",
    profile: {
      subject: [
        ["CN", "C02XK1ABJG5H"],
        ["SERIALNUMBER", "C02XK1ABJG5H"],
        ["O", "Contoso"],
      ],
    },
  },
];

let ca: TestCa;
let s: IntuneStack;
const keys = new Map<number, DeviceKey>();
/** One key per size for the whole file: RSA key generation is the slow part, and Intune does not care. */
function keyOf(bits: number): DeviceKey {
  if (!keys.has(bits)) keys.set(bits, newKey(bits));
  return keys.get(bits)!;
}

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune Matrix Test CA", days: 3650 });
  s = await startIntuneStack(ca, { extra: { CERT_PROFILES: JSON.stringify(CA_PROFILES) } });
});
afterAll(async () => {
  await s?.stop();
  await ca?.cleanup();
});

/** What the CA issues when the CSR does not carry it: the profile's own value. */
function caProfile(path: keyof typeof CA_PROFILES | undefined) {
  const p = { validityDays: 365, extendedKeyUsage: ["clientAuth"], ...(path ? CA_PROFILES[path] : CA_PROFILES.intune) };
  return { validityDays: p.validityDays, ekus: p.extendedKeyUsage.map((e) => (e === "ipsecTunnel" ? IPSEC_TUNNEL : CLIENT_AUTH)) };
}

for (const platform of PLATFORMS) {
  describe(platform, () => {
    // Cells the matrix marks N/A for this platform are listed in docs/intune-matrix.md, not run.
    for (const row of ROWS.filter((r) => !r.notFor?.platforms.includes(platform))) {
      test(row.matrix, async () => {
        const profile: IntuneProfile = { ...BASE, ...row.profile };
        const t = TRAITS[platform];
        const path = row.path ?? (t.ekus ? undefined : row.applePath);
        const key = keyOf(profile.keyBits);
        const challenge = s.fake.mintChallenge(expectations(platform, profile));
        const csrDer = platformCsr(platform, profile, key.handle.key, challenge);
        const r = await s.device.enroll({
          key,
          cn: "SCEP Protocol Certificate",
          csrDer,
          ...(path ? { path: `/scep/${path}` } : {}),
          messageHash: t.hashSetting ? profile.hash : "sha256",
          oaep: t.oaep,
        });
        expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
        expect(intuneTrace(s.fake).slice(-2)).toEqual(["validateRequest:200:Success", "successNotification:200:Success"]);

        const cert = await viewIssued(r.certDer!);
        const ca = caProfile(path);
        expect(cert.subject).toEqual(profile.subject.map(([k, v]) => `${OPENSSL_LABEL[k]}=${v}`));
        expect(cert.sans).toEqual(
          sansOf(platform, profile)
            .map(([k, v]) => `${k}:${v}`)
            .sort(),
        );
        expect(cert.keyUsage).toEqual(OPENSSL_KEY_USAGE[profile.keyUsage]);
        expect(cert.keyUsageCritical).toBe(true);
        expect(cert.ekus).toEqual(t.ekus ? profile.ekus : ca.ekus);
        expect(cert.keyBits).toBe(profile.keyBits);
        // The CA's choice, whatever the CSR was signed with (docs/configuration.md, "Signature hashes").
        expect(cert.signatureAlgorithm).toBe("sha256WithRSAEncryption");
        const days = t.validity !== "none" ? profile.validity.units : ca.validityDays;
        expect(cert.notAfter.getTime() - cert.notBefore.getTime() - BACKDATE_MS).toBe(days * DAY);
        // Intune's record of the issuance names this certificate.
        const notified = s.fake.notifications.filter((n) => n.kind === "success").at(-1)!.notification;
        expect(notified.certificateThumbprint).toBe(cert.thumbprint);
      });
    }
  });
}
