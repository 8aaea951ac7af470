// Names from real clients and from OpenSSL: the strict readers accept them, re-encode them byte for
// byte (clients compare the issued subject with what they asked for), and print what OpenSSL and
// node print (independent oracles).
import { pkijsNameText } from "../support/pkijs";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import * as pkijs from "pkijs";
import { describe, expect, it } from "vitest";
import { parseCsr } from "../../src/ca/csr";
import { decryptEnvelope } from "../../src/scep/envelope";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { parsePem } from "../../src/asn1/pem";
import { toBytes } from "../../src/util/bytes";
import { parseCertView } from "../../src/x509/cert-view";
import { encodeGeneralNames, generalNamesText, parseGeneralNames } from "../../src/x509/general-names";
import { encodeName, nameToText, parseName } from "../../src/x509/name";
import { fixture, openssl, scratch } from "./ca-test-helpers";
import { hex } from "../support/name-der";
import { fixedBytes, fixtureBytes, fixtureCaRecipient, fixtureText } from "./support/real-clients";

function expectRoundTrip(der: Uint8Array, what: string) {
  const rdns = parseName(der);
  expect(hex(encodeName(rdns)), what).toBe(hex(der));
  return rdns;
}

describe("real captures round-trip byte for byte", () => {
  it.each(["rsa2048-printable.der", "rsa2048-utf8.der", "ec-p256.der", "rsa1024.der"])("OpenSSL CSR fixture %s: subject and SAN", (file) => {
    const csr = parseCsr(fixture(file));
    const rdns = expectRoundTrip(csr.subjectDer, file);
    expect(nameToText(rdns)).toBe(pkijsNameText(csr.subjectDer)); // an asn1js renderer agrees
    const sans = parseGeneralNames(csr.subjectAltNameDer!);
    expect(hex(encodeGeneralNames(sans))).toBe(hex(csr.subjectAltNameDer!));
  });

  it("the SAN fixtures read as the README says", () => {
    expect(generalNamesText(parseGeneralNames(parseCsr(fixture("rsa2048-printable.der")).subjectAltNameDer!))).toBe(
      "dns:device-001.example.com, email:dev@example.com, uri:urn:uuid:6f1c1e9a-0000-4000-8000-000000000001",
    );
    expect(generalNamesText(parseGeneralNames(parseCsr(fixture("ec-p256.der")).subjectAltNameDer!))).toBe("dns:ec.example.com, ip:10.1.2.3");
  });

  const requests = [
    ["scepclient-PKCSReq-des-sha1.req.der", "CN=client1,OU=MDM,O=scep-client,C=US"],
    ["scepclient-PKCSReq-wrong-challenge.req.der", "CN=badchal,OU=MDM,O=scep-client,C=US"],
    ["scepclient-RenewalReq17-samekey.req.der", "CN=client1,OU=MDM,O=scep-client,C=US"],
    ["certmonger-PKCSReq-aes256-sha256.req.der", "CN=daemon1"],
    ["certmonger-rekey-PKCSReq19-signed-by-old-cert.req.der", "CN=daemon1"],
    ["certmonger-PKCSReq-3des-when-caps-DES3.req.der", "CN=cmcaps-DES3SHA1"],
  ] as const;
  it.each(requests)("real client %s: CSR subject (%s), signer certificate subject and issuer", (file, text) => {
    const m = parsePkiMessage(fixtureBytes(file));
    const { content } = decryptEnvelope(m.envelope!, [fixtureCaRecipient()], { allowLegacyDes: true, randomBytes: fixedBytes(0) });
    const csr = parseCsr(content);
    expect(nameToText(expectRoundTrip(csr.subjectDer, "CSR subject"))).toBe(text);
    if (csr.subjectAltNameDer) expect(hex(encodeGeneralNames(parseGeneralNames(csr.subjectAltNameDer)))).toBe(hex(csr.subjectAltNameDer));
    const signer = parseCertView(m.signerCertDer);
    expectRoundTrip(signer.subjectDer, "signer subject");
    expectRoundTrip(signer.issuerDer, "signer issuer");
  });

  it("every certificate in micromdm's CertReps, its GetCACert answer and the fixture CA", () => {
    const ders: Uint8Array[] = [fixtureBytes("mdm-GetCACert.resp.der"), ...parsePem(fixtureText("test-ca.pem")).map((b) => b.der)];
    for (const f of [
      "mdm-CertRep-success-to-scepclient.resp.der",
      "mdm-CertRep-success-renewal.resp.der",
      "mdm-CertRep-success-to-certmonger.resp.der",
    ]) {
      ders.push(...parsePkiMessage(fixtureBytes(f)).certificateDers);
    }
    expect(ders.length).toBeGreaterThanOrEqual(5);
    for (const der of ders) {
      const view = parseCertView(der);
      const subject = expectRoundTrip(view.subjectDer, "subject");
      expectRoundTrip(view.issuerDer, "issuer");
      // node's X509Certificate.subject: one "type=value" per line, RDNs first to last.
      expect(new X509Certificate(der).subject.split("\n")).toEqual(nameToText(subject).split(",").reverse());
    }
  });
});

/** A self-signed certificate made by `openssl req -x509`; DER. */
function opensslCert(config: string, subj?: string): Uint8Array {
  const s = scratch();
  const cnf = s.write("req.cnf", config);
  const out = `${s.dir}/cert.der`;
  const args = [
    "req",
    "-x509",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${s.dir}/k.pem`,
    "-config",
    cnf,
    "-outform",
    "DER",
    "-out",
    out,
  ];
  const r = openssl(subj ? [...args, "-multivalue-rdn", "-utf8", "-subj", subj] : args);
  expect(r.status, r.out).toBe(0);
  return new Uint8Array(readFileSync(out));
}

function opensslPrint(der: Uint8Array, args: string[]): string {
  const s = scratch();
  const path = s.write("c.pem", der);
  const r = openssl(["x509", "-in", path, "-noout", ...args]);
  expect(r.status, r.out).toBe(0);
  return r.out.trim();
}

function sanDer(certDer: Uint8Array): Uint8Array {
  const ext = pkijs.Certificate.fromBER(certDer).extensions!.find((e) => e.extnID === "2.5.29.17")!;
  return toBytes(ext.extnValue.valueBlock.valueHexView);
}

/** OpenSSL's -ext subjectAltName line in our notation (uncompressed IPv6 through the WHATWG serializer). */
function fromOpensslSan(line: string): string {
  return line
    .split(", ")
    .map((entry) => {
      const [kind, ...rest] = entry.split(":");
      const value = rest.join(":");
      switch (kind) {
        case "DNS":
          return `dns:${value}`;
        case "email":
          return `email:${value}`;
        case "URI":
          return `uri:${value}`;
        case "Registered ID":
          return `rid:${value}`;
        case "othername":
          return value.startsWith(" UPN::") ? `upn:${value.slice(6)}` : `othername:${value}`;
        case "IP Address":
          return `ip:${value.includes(":") ? new URL(`http://[${value}]/`).hostname.slice(1, -1) : value}`;
        case "DirName":
          return `dirname:${value.split("/").filter(Boolean).reverse().join(",")}`;
        default:
          return `?${entry}`;
      }
    })
    .join(", ");
}

/** An `openssl req` config: string_mask picks the string types OpenSSL encodes DirectoryStrings with. */
const config = (mask: string, ext = "") =>
  `[ req ]\ndistinguished_name = dn\nx509_extensions = ext\nstring_mask = ${mask}\n[ dn ]\n[ ext ]\nbasicConstraints = CA:FALSE\n${ext}`;

describe("OpenSSL as an oracle", () => {
  const subjects: { what: string; mask: string; subj: string }[] = [
    {
      what: "BMPString everywhere a DirectoryString may be, multi-valued RDN, IA5 DC/emailAddress, serialNumber",
      mask: "MASK:0x800",
      subj: "/DC=example/DC=corp/C=DE/O=Zoë 中文 GmbH/OU=Devices+CN=device 7/serialNumber=356938035643809/emailAddress=u@corp.example/UID=u1/title=Dr/GN=Al/SN=Bo",
    },
    { what: 'RFC 4514 escaping of ,+"<>;\\ and a leading #', mask: "utf8only", subj: '/O=Acme/CN=#a,b\\+c"d<e>f;g\\\\h#i' },
    {
      what: "PrintableString where it fits, T61String (Latin-1) where not (OpenSSL mask 'default'), OU+OU+CN",
      mask: "default",
      subj: "/C=US/ST=New York/O=Müller & Söhne/OU=A+OU=B+CN=x/CN=6f1c1e9a-0000-4000-8000-000000000001",
    },
    { what: "Intune-style CN=<guid>, E=<email>", mask: "utf8only", subj: "/CN=3c9d2f8e-1b7a-4c3e-9f2d-8a6b5c4d3e2f/emailAddress=user@corp.example" },
  ];
  it.each(subjects)("subject: $what", ({ mask, subj }) => {
    const der = opensslCert(config(mask), subj);
    const view = parseCertView(der);
    const rdns = expectRoundTrip(view.subjectDer, "subject");
    expect(`subject=${nameToText(rdns)}`).toBe(opensslPrint(der, ["-subject", "-nameopt", "RFC2253,-esc_msb"]));
  });

  it("the BMPString subject really is BMPString, and C stays PrintableString", () => {
    const der = opensslCert(config("MASK:0x800"), "/C=DE/O=Zoë 中文 GmbH/CN=x");
    const rdns = parseName(parseCertView(der).subjectDer);
    expect(rdns.map((r) => r.map((a) => a.tag))).toEqual([[0x13], [0x1e], [0x1e]]);
  });

  it("OpenSSL's 'default' mask writes T61String as Latin-1, which reads back as the same text", () => {
    const der = opensslCert(config("default"), "/C=US/O=Müller & Söhne/CN=x");
    const rdns = expectRoundTrip(parseCertView(der).subjectDer, "subject");
    expect(rdns[1]).toEqual([{ type: "2.5.4.10", tag: 0x14, value: "Müller & Söhne" }]);
  });

  it("subjectAltName: UPN otherName, IPv6, IPv4, DNS, email, SID URI, RID, dirName", () => {
    const cnf = config(
      "utf8only",
      `subjectAltName = @alt\n[ alt ]
otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:alice@corp.example
IP.1 = 2001:db8::1
IP.2 = fe80:0:0:0:1:0:0:1
IP.3 = 10.0.0.1
DNS.1 = host.corp.example
email.1 = bob@corp.example
URI.1 = tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-1001
RID.1 = 1.2.3.4
dirName.1 = dir_sect
[ dir_sect ]
O = Acme
CN = dir name
`,
    );
    const der = opensslCert(cnf, "/CN=san-test");
    const san = sanDer(der);
    const names = parseGeneralNames(san);
    expect(hex(encodeGeneralNames(names))).toBe(hex(san));
    const text = generalNamesText(names);
    expect(text).toBe(
      "upn:alice@corp.example, ip:2001:db8::1, ip:fe80::1:0:0:1, ip:10.0.0.1, dns:host.corp.example, email:bob@corp.example, " +
        "uri:tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-1001, rid:1.2.3.4, dirname:CN=dir name,O=Acme",
    );
    const line = opensslPrint(der, ["-ext", "subjectAltName"]).split("\n")[1]!.trim();
    expect(fromOpensslSan(line)).toBe(text);
    // node prints DNS, email and IP entries the way OpenSSL does; the IPs agree after RFC 5952.
    const nodeSan = new X509Certificate(der).subjectAltName!;
    expect(nodeSan).toContain("DNS:host.corp.example");
    expect(nodeSan).toContain("email:bob@corp.example");
    expect(nodeSan).toContain("IP Address:2001:DB8:0:0:0:0:0:1");
    expect(nodeSan).toContain("othername:UPN:alice@corp.example");
  });

  it("a CSR from `openssl req -new` with a UPN and an IPv6 SAN reads through src/ca/csr.ts", () => {
    const s = scratch();
    const cnf = s.write(
      "req.cnf",
      "[ req ]\ndistinguished_name = dn\nreq_extensions = ext\nprompt = no\n[ dn ]\nCN = laptop-42\nO = Corp\n[ ext ]\nsubjectAltName = @alt\n[ alt ]\notherName.1 = 1.3.6.1.4.1.311.20.2.3;FORMAT:UTF8,UTF8:zoë@corp.example\nIP.1 = 2001:db8:0:0:1::7\n",
    );
    const out = `${s.dir}/csr.der`;
    const r = openssl([
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${s.dir}/k.pem`,
      "-config",
      cnf,
      "-utf8",
      "-outform",
      "DER",
      "-out",
      out,
    ]);
    expect(r.status, r.out).toBe(0);
    const csr = parseCsr(new Uint8Array(readFileSync(out)));
    expect(nameToText(expectRoundTrip(csr.subjectDer, "CSR subject"))).toBe("O=Corp,CN=laptop-42");
    const names = parseGeneralNames(csr.subjectAltNameDer!);
    expect(generalNamesText(names)).toBe("upn:zoë@corp.example, ip:2001:db8::1:0:0:7");
    expect(hex(encodeGeneralNames(names))).toBe(hex(csr.subjectAltNameDer!));
  });
});
