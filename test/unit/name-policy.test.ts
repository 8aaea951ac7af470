// The name policy (src/ca/name-policy.ts): one row per refusal with its reason, acceptance rows for
// the subjects and SANs real enrolment profiles (Intune, generic clients) ask for.
import { describe, expect, it } from "vitest";
import {
  checkRequestedNames,
  DEFAULT_NAME_POLICY,
  describeIdentityChange,
  encodeSidExtension,
  NamePolicySettingError,
  parseNamePolicy,
  type CheckedNames,
  type NamePolicy,
  type RequestedNames,
} from "../../src/ca/name-policy";
import { parseGeneralNames } from "../../src/x509/general-names";
import { parseName } from "../../src/x509/name";
import { tlv } from "../../src/asn1/der";
import { atv, cn, gn, hex, ia5, name, OIDS, printable, raw, seq, set, TAGS, utf8 } from "../support/name-der";

const SID = "S-1-5-21-3623811015-3361044348-30300820-1013";
const SID_URI = `tag:microsoft.com,2022-09-14:sid:${SID}`;
const GUID = "3c9d2f8e-1b7a-4c3e-9f2d-8a6b5c4d3e2f";
const policy = (over: Partial<NamePolicy> = {}): NamePolicy => ({ ...DEFAULT_NAME_POLICY, ...over });
const corpOnly = policy({ sanDomains: ["corp.example"] });
const sans = (...names: Uint8Array[]) => seq(...names);
const intune = { intuneValidated: true };
const plain = { intuneValidated: false };

interface Refusal {
  what: string;
  req: RequestedNames;
  policy?: NamePolicy;
  context?: { intuneValidated: boolean };
  reason: RegExp;
}

const refusals: Refusal[] = [
  {
    what: "an extension requested twice",
    req: { subjectDer: cn("x"), duplicateExtension: "2.5.29.17" },
    reason: /^the request asks for extension 2\.5\.29\.17 more than once$/,
  },
  {
    what: "a CN encoded as INTEGER",
    req: { subjectDer: name(atv(OIDS.CN, raw(TAGS.INTEGER, "01"))) },
    reason: /^the subject is not acceptable: RDN 1: CN: value is not a character string \(tag 0x02\)$/,
  },
  {
    what: "a SEQUENCE where a SET belongs",
    req: { subjectDer: seq(seq(atv(OIDS.CN, utf8("x")))) },
    reason: /^the subject is not acceptable: RDN 1: a SEQUENCE where a SET belongs$/,
  },
  {
    what: "a 20,000-character CN",
    req: { subjectDer: cn("x".repeat(20_000)) },
    reason: /^the subject is not acceptable: the Name is longer than 16384 bytes$/,
  },
  {
    what: "a 300-character CN",
    req: { subjectDer: cn("x".repeat(300)) },
    reason: /^the subject is not acceptable: RDN 1: CN: value longer than 256 characters$/,
  },
  {
    what: "a NUL in the CN",
    req: { subjectDer: cn("a\u0000b") },
    reason: /^the subject is not acceptable: RDN 1: CN: value contains a NUL or control character$/,
  },
  {
    what: "SAN bytes that are not GeneralNames",
    req: { subjectDer: cn("x"), subjectAltNameDer: utf8("DNS:evil.example") },
    reason: /^the subjectAltName is not a valid GeneralNames: GeneralNames must be a SEQUENCE$/,
  },
  {
    what: "a dNSName containing NUL",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns("bank.example\u0000.evil.example")) },
    reason: /^the subjectAltName is not a valid GeneralNames: name 1: value contains a NUL or control character$/,
  },
  { what: "an empty subject without any SAN", req: { subjectDer: seq() }, reason: /^the subject is empty and there is no subjectAltName$/ },
  {
    what: "an empty SAN SEQUENCE with an empty subject",
    req: { subjectDer: seq(), subjectAltNameDer: seq() },
    reason: /^the subjectAltName is not a valid GeneralNames: GeneralNames must not be empty$/,
  },
  {
    what: "a SAN type not in SAN_TYPES",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.email("a@corp.example")) },
    policy: policy({ sanTypes: new Set(["dns"]) }),
    reason: /^subjectAltName type email is not allowed by SAN_TYPES$/,
  },
  {
    what: "any SAN when SAN_TYPES=none",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns("a.example")) },
    policy: policy({ sanTypes: new Set() }),
    reason: /^subjectAltName type dns is not allowed by SAN_TYPES$/,
  },
  {
    what: "a directoryName SAN",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.dir(cn("admin"))) },
    reason: /^subjectAltName dirname:CN=admin is of a type this CA never issues$/,
  },
  {
    what: "a registeredID SAN",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.rid("1.2.3.4")) },
    reason: /^subjectAltName rid:1\.2\.3\.4 is of a type this CA never issues$/,
  },
  {
    what: "a non-UPN otherName SAN",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.other("1.3.6.1.4.1.311.25.1", tlv(0x04, new Uint8Array(16)))) },
    reason: /^subjectAltName othername:1\.3\.6\.1\.4\.1\.311\.25\.1 is of a type this CA never issues$/,
  },
  {
    what: "a wildcard DNS name",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns("*.corp.example")) },
    reason: /^wildcard DNS names are not issued \(dns:\*\.corp\.example\)$/,
  },
  {
    what: "a DNS name outside SAN_DOMAINS",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns("www.evil.example")) },
    policy: corpOnly,
    reason: /^subjectAltName dns:www\.evil\.example is outside the domains SAN_DOMAINS allows$/,
  },
  {
    what: "a DNS name that only ends with the domain's text",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns("evilcorp.example")) },
    policy: corpOnly,
    reason: /dns:evilcorp\.example is outside the domains/,
  },
  {
    what: "the parent of an allowed domain",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns("example")) },
    policy: corpOnly,
    reason: /dns:example is outside the domains/,
  },
  {
    what: "an email domain outside SAN_DOMAINS",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.email("ceo@evil.example")) },
    policy: corpOnly,
    reason: /^subjectAltName email:ceo@evil\.example is outside the domains SAN_DOMAINS allows$/,
  },
  {
    what: "a UPN suffix outside SAN_DOMAINS",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.upn("administrator@evil.example")) },
    policy: corpOnly,
    reason: /^subjectAltName upn:administrator@evil\.example is outside the domains SAN_DOMAINS allows$/,
  },
  {
    what: "a subject emailAddress outside SAN_DOMAINS",
    req: { subjectDer: name(atv(OIDS.CN, utf8("x")), atv(OIDS.emailAddress, ia5("ceo@evil.example"))) },
    policy: corpOnly,
    reason: /^the subject's emailAddress is outside the domains SAN_DOMAINS allows$/,
  },
  {
    what: "a SID URI when SID_FROM_CSR=never, even from Intune",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.uri(SID_URI)) },
    policy: policy({ sid: "never" }),
    context: intune,
    reason: /^the request carries a SID URI \(strong certificate mapping\), which SID_FROM_CSR=never refuses$/,
  },
  {
    what: "a SID URI without Intune validation",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.uri(SID_URI)) },
    reason: /^the request carries a SID URI \(strong certificate mapping\), accepted only from Intune-validated requests$/,
  },
  {
    what: "a SID extension when SID_FROM_CSR=never",
    req: { subjectDer: cn("x"), sidExtensionDer: encodeSidExtension(SID) },
    policy: policy({ sid: "never" }),
    context: intune,
    reason: /^the request carries a SID extension \(strong certificate mapping\), which SID_FROM_CSR=never refuses$/,
  },
  {
    what: "a SID extension without Intune validation",
    req: { subjectDer: cn("x"), sidExtensionDer: encodeSidExtension(SID) },
    reason: /^the request carries a SID extension \(strong certificate mapping\), accepted only from Intune-validated requests$/,
  },
  {
    what: "a malformed SID extension",
    req: { subjectDer: cn("x"), sidExtensionDer: utf8(SID) },
    policy: policy({ sid: "always" }),
    reason: /^the SID extension is not valid: SID extension: expected exactly one SEQUENCE$/,
  },
  {
    what: "a SID extension and a SID URI naming different SIDs",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.uri(SID_URI)), sidExtensionDer: encodeSidExtension("S-1-5-21-1-2-3-500") },
    policy: policy({ sid: "always" }),
    reason: /^the SID extension and the SID URI name different SIDs$/,
  },
];

describe("checkRequestedNames refuses, one distinct reason each", () => {
  it.each(refusals)("$what", ({ req, policy: p, context, reason }) => {
    const result = checkRequestedNames(req, p ?? DEFAULT_NAME_POLICY, context ?? plain);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(result.reason.length).toBeLessThan(200);
    }
  });

  it("the reasons are distinct", () => {
    const reasons = refusals.map((r) => {
      const result = checkRequestedNames(r.req, r.policy ?? DEFAULT_NAME_POLICY, r.context ?? plain);
      return result.ok ? "" : result.reason;
    });
    expect(new Set(reasons).size).toBe(refusals.length);
  });

  it("never echoes more than 64 characters of a requested value", () => {
    const long = `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.evil.example`;
    const result = checkRequestedNames({ subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns(long)) }, corpOnly, plain);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toContain("c".repeat(10));
  });
});

interface Acceptance {
  what: string;
  req: RequestedNames;
  policy?: NamePolicy;
  context?: { intuneValidated: boolean };
  subjectText: string;
  sansText: string;
  critical?: boolean;
  sid?: string;
}

const acceptances: Acceptance[] = [
  { what: "Intune CN=<guid> (PrintableString)", req: { subjectDer: name(atv(OIDS.CN, printable(GUID))) }, subjectText: `CN=${GUID}`, sansText: "" },
  {
    what: "Intune CN=x,E=user@corp.example inside SAN_DOMAINS",
    req: { subjectDer: name(atv(OIDS.emailAddress, ia5("user@corp.example")), atv(OIDS.CN, utf8("x"))) },
    policy: corpOnly,
    subjectText: "CN=x,emailAddress=user@corp.example",
    sansText: "",
  },
  {
    what: "serialNumber (IMEI) and CN",
    req: { subjectDer: name(atv(OIDS.serialNumber, printable("356938035643809")), atv(OIDS.CN, utf8("iPhone"))) },
    subjectText: "CN=iPhone,serialNumber=356938035643809",
    sansText: "",
  },
  {
    what: "custom DN with OU/O/L/ST/C",
    req: {
      subjectDer: name(
        atv(OIDS.C, printable("GB")),
        atv(OIDS.ST, utf8("London")),
        atv(OIDS.L, utf8("City")),
        atv(OIDS.O, utf8("Corp Ltd")),
        atv(OIDS.OU, utf8("Fleet")),
        atv(OIDS.CN, utf8(GUID)),
      ),
    },
    subjectText: `CN=${GUID},OU=Fleet,O=Corp Ltd,L=City,ST=London,C=GB`,
    sansText: "",
  },
  {
    what: "SAN email",
    req: { subjectDer: cn("u"), subjectAltNameDer: sans(gn.email("user@corp.example")) },
    policy: corpOnly,
    subjectText: "CN=u",
    sansText: "email:user@corp.example",
  },
  {
    what: "SAN UPN",
    req: { subjectDer: cn("u"), subjectAltNameDer: sans(gn.upn("user@corp.example")) },
    policy: corpOnly,
    subjectText: "CN=u",
    sansText: "upn:user@corp.example",
  },
  {
    what: "SAN email and UPN",
    req: { subjectDer: cn("u"), subjectAltNameDer: sans(gn.email("user@corp.example"), gn.upn("user@corp.example")) },
    policy: corpOnly,
    subjectText: "CN=u",
    sansText: "email:user@corp.example, upn:user@corp.example",
  },
  {
    what: "SAN DNS in a subdomain, any case",
    req: { subjectDer: cn("h"), subjectAltNameDer: sans(gn.dns("Host.Eu.CORP.example")) },
    policy: corpOnly,
    subjectText: "CN=h",
    sansText: "dns:Host.Eu.CORP.example",
  },
  {
    what: "SAN DNS equal to the allowed domain",
    req: { subjectDer: cn("h"), subjectAltNameDer: sans(gn.dns("corp.example")) },
    policy: corpOnly,
    subjectText: "CN=h",
    sansText: "dns:corp.example",
  },
  {
    what: "IP and URI SANs have no domain to check",
    req: { subjectDer: cn("h"), subjectAltNameDer: sans(gn.ip("0a000001"), gn.uri("urn:uuid:1")) },
    policy: corpOnly,
    subjectText: "CN=h",
    sansText: "ip:10.0.0.1, uri:urn:uuid:1",
  },
  {
    what: "SID URI under an Intune-validated request",
    req: { subjectDer: cn(GUID), subjectAltNameDer: sans(gn.upn("user@corp.example"), gn.uri(SID_URI)) },
    context: intune,
    subjectText: `CN=${GUID}`,
    sansText: `upn:user@corp.example, uri:${SID_URI}`,
  },
  {
    what: "SID extension under an Intune-validated request, kept",
    req: { subjectDer: cn(GUID), subjectAltNameDer: sans(gn.uri(SID_URI)), sidExtensionDer: encodeSidExtension(SID) },
    context: intune,
    subjectText: `CN=${GUID}`,
    sansText: `uri:${SID_URI}`,
    sid: SID,
  },
  {
    what: "SID extension with SID_FROM_CSR=always, no Intune",
    req: { subjectDer: cn("x"), sidExtensionDer: encodeSidExtension(SID) },
    policy: policy({ sid: "always" }),
    subjectText: "CN=x",
    sansText: "",
    sid: SID,
  },
  {
    what: "empty subject with a SAN: the SAN becomes critical (RFC 5280 §4.2.1.6)",
    req: { subjectDer: seq(), subjectAltNameDer: sans(gn.dns("a.example")) },
    subjectText: "",
    sansText: "dns:a.example",
    critical: true,
  },
  {
    what: "a SAN the CSR marked critical stays critical",
    req: { subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns("a.example")), subjectAltNameCritical: true },
    subjectText: "CN=x",
    sansText: "dns:a.example",
    critical: true,
  },
  {
    what: "multi-valued RDN",
    req: { subjectDer: seq(set(atv(OIDS.CN, utf8("x")), atv(OIDS.UID, utf8("u1")))) },
    subjectText: "UID=u1+CN=x",
    sansText: "",
  },
];

describe("checkRequestedNames accepts", () => {
  it.each(acceptances)("$what", ({ req, policy: p, context, subjectText, sansText, critical, sid }) => {
    const result = checkRequestedNames(req, p ?? DEFAULT_NAME_POLICY, context ?? plain);
    if (!result.ok) throw new Error(result.reason);
    const names = result.names;
    expect(names.subjectText).toBe(subjectText);
    expect(names.sansText).toBe(sansText);
    expect(names.subjectAltNameCritical).toBe(critical ?? false);
    expect(names.sid).toBe(sid);
    // Re-encoded, not copied: fresh arrays that equal the DER the request carried.
    expect(hex(names.subjectDer)).toBe(hex(req.subjectDer));
    expect(names.subjectDer).not.toBe(req.subjectDer);
    expect(names.subjectAltNameDer && hex(names.subjectAltNameDer)).toBe(req.subjectAltNameDer && hex(req.subjectAltNameDer));
  });

  it("re-encodes a non-DER (unsorted) multi-valued RDN into DER", () => {
    const result = checkRequestedNames({ subjectDer: seq(set(atv(OIDS.UID, utf8("u1")), atv(OIDS.CN, utf8("x")))) }, DEFAULT_NAME_POLICY, plain);
    expect(result.ok && hex(result.names.subjectDer)).toBe(hex(seq(set(atv(OIDS.CN, utf8("x")), atv(OIDS.UID, utf8("u1"))))));
  });
});

describe("parseNamePolicy", () => {
  it("defaults: all five SAN types, any domain, SID from Intune-validated requests", () => {
    const p = parseNamePolicy({});
    expect([...p.sanTypes].sort()).toEqual(["dns", "email", "ip", "upn", "uri"]);
    expect(p.sanDomains).toBeUndefined();
    expect(p.sid).toBe("intune");
    expect(parseNamePolicy({ SAN_TYPES: " ", SAN_DOMAINS: "", SID_FROM_CSR: "" })).toEqual(p);
  });

  it("reads lists, case-insensitively, and strips '.' or '*.' before a domain", () => {
    const p = parseNamePolicy({ SAN_TYPES: "DNS, upn", SAN_DOMAINS: ".corp.example, *.Example.ORG,intranet", SID_FROM_CSR: "Always" });
    expect([...p.sanTypes]).toEqual(["dns", "upn"]);
    expect(p.sanDomains).toEqual(["corp.example", "example.org", "intranet"]);
    expect(p.sid).toBe("always");
    expect(parseNamePolicy({ SAN_TYPES: "none" }).sanTypes.size).toBe(0);
    expect(parseNamePolicy({ SID_FROM_CSR: "never" }).sid).toBe("never");
  });

  it.each([
    { env: { SAN_TYPES: "dns,x400secret" }, setting: "SAN_TYPES", secret: "x400secret" },
    { env: { SAN_TYPES: "none,dns" }, setting: "SAN_TYPES", secret: "none,dns" },
    { env: { SAN_TYPES: "dns,,upn" }, setting: "SAN_TYPES", secret: "dns,,upn" },
    { env: { SAN_DOMAINS: "corp.example,evil_secret.example" }, setting: "SAN_DOMAINS", secret: "evil_secret" },
    { env: { SAN_DOMAINS: "corp.example," }, setting: "SAN_DOMAINS", secret: "corp.example" },
    { env: { SAN_DOMAINS: "corp.example." }, setting: "SAN_DOMAINS", secret: "corp.example" },
    { env: { SID_FROM_CSR: "sometimes-secret" }, setting: "SID_FROM_CSR", secret: "sometimes-secret" },
  ])("refuses $env, naming $setting without quoting the value", ({ env, setting, secret }) => {
    let error: unknown;
    try {
      parseNamePolicy(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NamePolicySettingError);
    expect((error as NamePolicySettingError).setting).toBe(setting);
    expect((error as Error).message.startsWith(`${setting}: `)).toBe(true);
    expect((error as Error).message).not.toContain(secret);
  });

  it("a parsed SAN_DOMAINS drives checkRequestedNames", () => {
    const p = parseNamePolicy({ SAN_DOMAINS: "*.corp.example" });
    expect(checkRequestedNames({ subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns("a.corp.example")) }, p, plain).ok).toBe(true);
    expect(checkRequestedNames({ subjectDer: cn("x"), subjectAltNameDer: sans(gn.dns("a.other.example")) }, p, plain).ok).toBe(false);
  });
});

describe("describeIdentityChange (renewals keep their identity)", () => {
  const checked = (req: RequestedNames, context = plain): CheckedNames => {
    const r = checkRequestedNames(req, DEFAULT_NAME_POLICY, context);
    if (!r.ok) throw new Error(r.reason);
    return r.names;
  };
  const old = (subjectDer: Uint8Array, sanDer?: Uint8Array, sid?: string) => ({
    subject: parseName(subjectDer),
    sans: sanDer ? parseGeneralNames(sanDer) : [],
    sid,
  });

  it("undefined when nothing changes, including a PrintableString → UTF8String re-encoding and DNS case", () => {
    const before = old(name(atv(OIDS.CN, printable("deviceA"))), sans(gn.dns("A.example"), gn.email("u@corp.example")));
    expect(
      describeIdentityChange(
        before,
        checked({ subjectDer: cn("deviceA"), subjectAltNameDer: sans(gn.email("u@CORP.example"), gn.dns("a.example")) }),
      ),
    ).toBeUndefined();
  });

  it("a different subject", () => {
    expect(describeIdentityChange(old(cn("deviceA")), checked({ subjectDer: cn("deviceB") }))).toBe("the subject differs (CN=deviceA → CN=deviceB)");
  });

  it("SANs added and removed", () => {
    const before = old(cn("x"), sans(gn.dns("a.example")));
    const after = checked({ subjectDer: cn("x"), subjectAltNameDer: sans(gn.upn("administrator@corp.example")) });
    expect(describeIdentityChange(before, after)).toBe("SANs added: upn:administrator@corp.example; removed: dns:a.example");
  });

  it("subject and SANs together, an emptied subject, a SID added", () => {
    const before = old(cn("x"), sans(gn.dns("a.example")));
    const after = checked(
      { subjectDer: seq(), subjectAltNameDer: sans(gn.dns("a.example"), gn.dns("b.example")), sidExtensionDer: encodeSidExtension(SID) },
      intune,
    );
    expect(describeIdentityChange(before, after)).toBe("the subject differs (CN=x → empty); SANs added: dns:b.example; the SID extension differs");
  });

  it("the same SID kept is no change; a dropped SID is", () => {
    const after = checked({ subjectDer: cn("x"), sidExtensionDer: encodeSidExtension(SID) }, intune);
    expect(describeIdentityChange(old(cn("x"), undefined, SID), after)).toBeUndefined();
    expect(describeIdentityChange(old(cn("x"), undefined, SID), checked({ subjectDer: cn("x") }))).toBe("the SID extension differs");
  });

  it("keeps long names short", () => {
    const text = describeIdentityChange(old(cn("a".repeat(200))), checked({ subjectDer: cn("b".repeat(200)) }))!;
    expect(text.length).toBeLessThan(200);
  });
});
