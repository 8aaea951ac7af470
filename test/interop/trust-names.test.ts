// The name policy against the built Worker (finding 4 of the trust review): every subject and SAN
// is parsed and re-encoded; what cannot be is refused with a reason in failInfoText, and what is
// issued loads in OpenSSL and node's X509Certificate. One-time challenges bind subject and SANs.
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FailInfo, PkiStatus } from "../../src/scep/oids";
import { tlv } from "../../src/asn1/der";
import { certPem, newRsaKey, type ClientKey } from "../../src/client/certificates";
import { atv, cn, gn, ia5, name, OIDS, raw, seq, set, utf8 } from "../support/name-der";
import { rawCsr, sanExtension, type RawExtension } from "../support/independent-pki";
import { AdminClient, ScepTestClient, newAdminToken, openssl } from "./support/admin-client";
import { opensslVerifyCert } from "./support/clients";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

const CHALLENGE = `names-${crypto.randomUUID()}`;
const TOKEN = newAdminToken();

let ca: TestCa;
let key: ClientKey;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Trust Names Test CA" });
  key = newRsaKey();
});
afterAll(async () => {
  await ca?.cleanup();
});

async function start(extra: Record<string, string> = {}) {
  const worker = await startWorker({
    bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: CHALLENGE, CHALLENGE_MODE: "static,one-time", ADMIN_TOKEN: TOKEN, ...extra },
  });
  return { worker, scep: await ScepTestClient.connect(worker.url), admin: new AdminClient(worker.origin, TOKEN) };
}

async function send(scep: ScepTestClient, subjectDer: Uint8Array, extensions: RawExtension[] = [], challenge = CHALLENGE) {
  const csrDer = rawCsr({ key: key.handle, subjectDer, challenge, extensions });
  return scep.send(scep.pkcsReq({ key, cn: "names", csrDer }));
}

const manyRdns = (n: number) => seq(...Array.from({ length: n }, (_, i) => set(atv(OIDS.OU, utf8(`unit-${i}`)))));

// One row per refusal: what an attacker (or a broken client) sent, and the reason the device is told.
const REFUSALS: { what: string; subject: Uint8Array; sans?: Uint8Array; extensions?: RawExtension[]; reason: RegExp }[] = [
  {
    what: "SAN bytes that are not GeneralNames",
    subject: cn("dev"),
    sans: tlv(0x04, new Uint8Array([1, 2, 3])),
    reason: /^the subjectAltName is not a valid GeneralNames: GeneralNames must be a SEQUENCE$/,
  },
  {
    what: "a dNSName with a NUL",
    subject: cn("dev"),
    sans: seq(gn.dns("good.example\u0000.evil.example")),
    reason: /^the subjectAltName is not a valid GeneralNames: name 1: .*NUL or control/,
  },
  { what: "an empty subject and no SAN", subject: seq(), reason: /^the subject is empty and there is no subjectAltName$/ },
  // Refused while the CSR is read, before any name is parsed (src/ca/csr.ts CSR_LIMITS).
  { what: "a 20,000-character CN", subject: cn("x".repeat(20_000)), reason: /^the certificate request is too large: longer than 16384 bytes$/ },
  { what: "a 257-character CN", subject: cn("y".repeat(257)), reason: /^the subject is not acceptable: .*longer than 256 characters$/ },
  {
    what: "a SEQUENCE where a SET belongs",
    subject: seq(seq(atv(OIDS.CN, utf8("dev")))),
    reason: /^the subject is not acceptable: .*a SEQUENCE where a SET belongs$/,
  },
  {
    what: "a CN encoded as INTEGER",
    subject: name(atv(OIDS.CN, raw(0x02, "2a"))),
    reason: /^the subject is not acceptable: .*not a character string/,
  },
  {
    what: "a control character in O",
    subject: name(atv(OIDS.O, utf8("Acme\u0007")), atv(OIDS.CN, utf8("dev"))),
    reason: /^the subject is not acceptable: .*NUL or control character$/,
  },
  { what: "17 RDNs", subject: manyRdns(17), reason: /^the certificate request is too large: the subject has more than 16 RDNs$/ },
  {
    what: "33 SANs",
    subject: cn("dev"),
    sans: seq(...Array.from({ length: 33 }, (_, i) => gn.dns(`h${i}.example`))),
    reason: /^the subjectAltName is not a valid GeneralNames: more than 32 names$/,
  },
  {
    what: "emailAddress as UTF8String",
    subject: name(atv(OIDS.emailAddress, utf8("a@corp.example")), atv(OIDS.CN, utf8("dev"))),
    reason: /must be an IA5String/,
  },
  { what: "a wildcard DNS name", subject: cn("dev"), sans: seq(gn.dns("*.corp.example")), reason: /^wildcard DNS names are not issued/ },
  { what: "a directoryName SAN", subject: cn("dev"), sans: seq(gn.dir(cn("Domain Admins"))), reason: /is of a type this CA never issues$/ },
  {
    what: "a SID URI from a static-challenge request",
    subject: cn("dev"),
    sans: seq(gn.uri("tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-500")),
    reason: /SID URI .*accepted only from Intune-validated requests$/,
  },
  {
    what: "the same extension requested twice",
    subject: cn("dev"),
    extensions: [sanExtension(seq(gn.dns("a.example"))), sanExtension(seq(gn.dns("b.example")))],
    reason: /^the request asks for extension 2\.5\.29\.17 more than once$/,
  },
];

describe("finding 4: the name policy refuses what it cannot re-encode or should not sign", () => {
  let worker: RunningWorker;
  let scep: ScepTestClient;
  let admin: AdminClient;

  beforeAll(async () => {
    ({ worker, scep, admin } = await start());
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test.each(REFUSALS)("$what", async ({ subject, sans, extensions, reason }) => {
    const r = await send(scep, subject, extensions ?? (sans ? [sanExtension(sans)] : []));
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.failInfo).toBe(FailInfo.badRequest);
    expect(r.failInfoText).toMatch(reason);
  });

  test("refusals write nothing to the ledger", async () => {
    expect((await admin.stats()).certificates).toBe(0);
  });

  test("what is issued is re-encoded, loads in OpenSSL and node, and the ledger shows the SANs readably", async () => {
    const subject = name(
      atv(OIDS.C, raw(0x13, "5553")),
      atv(OIDS.O, utf8("Acme")),
      atv(OIDS.emailAddress, ia5("alice@corp.example")),
      atv(OIDS.CN, utf8("alice")),
    );
    const sans = seq(
      gn.email("alice@corp.example"),
      gn.upn("alice@corp.example"),
      gn.dns("alice-laptop.corp.example"),
      gn.ip("20010db8000000000000000000000001"),
    );
    const r = await send(scep, subject, [sanExtension(sans)]);
    expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
    const der = r.certificates[0]!;
    const x = new X509Certificate(Buffer.from(der));
    expect(x.subject).toBe("C=US\nO=Acme\nemailAddress=alice@corp.example\nCN=alice");
    expect(x.subjectAltName).toBe(
      "email:alice@corp.example, othername:UPN:alice@corp.example, DNS:alice-laptop.corp.example, IP Address:2001:DB8:0:0:0:0:0:1",
    );
    expect((await opensslVerifyCert(ca.certPath, certPem(der))).ok).toBe(true);
    expect((await openssl(["x509", "-noout", "-text"], { input: certPem(der) })).stdout).toContain(
      "Subject: C = US, O = Acme, emailAddress = alice@corp.example, CN = alice",
    );
    const listed = await admin.ok<{ items: { sans: string; subject: string }[] }>("GET", "/admin/certificates");
    expect(listed.items[0]).toMatchObject({
      subject: "CN=alice,emailAddress=alice@corp.example,O=Acme,C=US",
      sans: "dns:alice-laptop.corp.example, email:alice@corp.example, ip:2001:db8::1, upn:alice@corp.example",
    });
  });
});

describe("SAN_TYPES and SAN_DOMAINS", () => {
  let worker: RunningWorker;
  let scep: ScepTestClient;

  beforeAll(async () => {
    ({ worker, scep } = await start({ SAN_TYPES: "dns,email", SAN_DOMAINS: "corp.example" }));
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test.each([
    {
      what: "a UPN of the requester's choice",
      sans: seq(gn.upn("administrator@corp.example")),
      reason: "subjectAltName type upn is not allowed by SAN_TYPES",
    },
    { what: "an IP address", sans: seq(gn.ip("0a000001")), reason: "subjectAltName type ip is not allowed by SAN_TYPES" },
    {
      what: "a DNS name outside the domains",
      sans: seq(gn.dns("www.bank.example")),
      reason: "subjectAltName dns:www.bank.example is outside the domains SAN_DOMAINS allows",
    },
    {
      what: "a look-alike suffix",
      sans: seq(gn.dns("evilcorp.example")),
      reason: "subjectAltName dns:evilcorp.example is outside the domains SAN_DOMAINS allows",
    },
    {
      what: "an email outside the domains",
      sans: seq(gn.email("ceo@bank.example")),
      reason: "subjectAltName email:ceo@bank.example is outside the domains SAN_DOMAINS allows",
    },
  ])("refuses $what", async ({ sans, reason }) => {
    const r = await send(scep, cn("dev"), [sanExtension(sans)]);
    expect(r.status).toBe(PkiStatus.FAILURE);
    expect(r.failInfoText).toBe(reason);
  });

  test("issues names inside the domains", async () => {
    const r = await send(scep, cn("dev"), [sanExtension(seq(gn.dns("dev.corp.example"), gn.email("dev@sub.corp.example")))]);
    expect(r.status, r.failInfoText).toBe(PkiStatus.SUCCESS);
    expect(new X509Certificate(Buffer.from(r.certificates[0]!)).subjectAltName).toBe("DNS:dev.corp.example, email:dev@sub.corp.example");
  });
});

describe("one-time challenges bind subject and SANs", () => {
  let worker: RunningWorker;
  let scep: ScepTestClient;
  let admin: AdminClient;

  beforeAll(async () => {
    ({ worker, scep, admin } = await start({ CHALLENGE_MODE: "one-time" }));
  });
  afterAll(async () => {
    await worker?.stop();
  });

  const mint = (body: Record<string, unknown>) =>
    admin.ok<{ challenge: string; subject: string | null; sans: string[] }>("POST", "/admin/challenges", body);

  test("minted for CN=alice without SANs: no SAN may be added, no other subject used", async () => {
    const { challenge } = await mint({ subject: "CN=alice" });
    const withSan = await send(scep, cn("alice"), [sanExtension(seq(gn.upn("administrator@corp.example")))], challenge);
    expect(withSan.failInfoText).toBe("the one-time challenge was issued for other names");
    const other = await send(scep, cn("bob"), [], challenge);
    expect(other.failInfoText).toBe("the one-time challenge was issued for other names");
    const right = await send(scep, cn("alice"), [], challenge);
    expect(right.status, right.failInfoText).toBe(PkiStatus.SUCCESS);
  });

  test("minted with SANs: exactly that set, in any order, and nothing else", async () => {
    const minted = await mint({ subject: "C=US, O=Acme, CN=alice2", sans: ["upn:alice@corp.example", "DNS:Alice2.Corp.Example"] });
    expect(minted).toMatchObject({ subject: "CN=alice2,O=Acme,C=US", sans: ["dns:alice2.corp.example", "upn:alice@corp.example"] });
    const subject = name(atv(OIDS.C, raw(0x13, "5553")), atv(OIDS.O, utf8("Acme")), atv(OIDS.CN, utf8("alice2")));
    const fewer = await send(scep, subject, [sanExtension(seq(gn.upn("alice@corp.example")))], minted.challenge);
    expect(fewer.failInfoText).toBe("the one-time challenge was issued for other names");
    const same = await send(scep, subject, [sanExtension(seq(gn.dns("alice2.corp.example"), gn.upn("alice@corp.example")))], minted.challenge);
    expect(same.status, same.failInfoText).toBe(PkiStatus.SUCCESS);
  });

  test("a garbage subject or SAN is refused at minting", async () => {
    expect((await admin.request("POST", "/admin/challenges", { body: { subject: "garbage" } })).status).toBe(400);
    expect((await admin.request("POST", "/admin/challenges", { body: { sans: ["dns:*.corp.example"] } })).status).toBe(400);
    expect((await admin.request("POST", "/admin/challenges", { body: { sans: ["ftp:x"] } })).status).toBe(400);
  });
});
