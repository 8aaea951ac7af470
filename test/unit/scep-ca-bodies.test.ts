// GetCACaps / GetCACert bodies (RFC 8894 §3.5, §4.2) compared with micromdm's captured answers.
import { beforeAll, describe, expect, it } from "vitest";
import { caCertBody, capabilitiesBody, CONTENT_TYPE } from "../../src/scep/ca-bodies";
import { parseCertsOnly } from "../../src/scep/certs-only";
import { generateCa, generateRaPair, type GeneratedPair } from "../../src/ca/ca-generate";
import { loadCaMaterial } from "../../src/ca/ca-material";
import { bytesEqual, bytesToHex } from "../../src/util/bytes";
import { hasIndefiniteLength } from "./support/asn1-walk";
import { fixtureBytes, fixtureText, randomBytes } from "./support/real-clients";

const now = new Date("2026-11-28T12:00:00Z");

describe("capabilitiesBody", () => {
  const mdm = fixtureText("mdm-GetCACaps.resp.txt").split("\n");

  it("micromdm's fixture is what scep-clients.md says", () => {
    expect(mdm).toEqual(["Renewal", "SHA-1", "SHA-256", "AES", "DES3", "SCEPStandard", "POSTPKIOperation"]);
  });

  it.each([false, true])("is a superset of micromdm's keywords (nextCa %s), LF separated, no blanks, < 1024 bytes", (nextCa) => {
    const body = capabilitiesBody({ nextCa });
    expect(body).not.toMatch(/\r/);
    expect(new TextEncoder().encode(body).length).toBeLessThan(1024);
    const ours = body.split("\n").filter((l, i, all) => !(i === all.length - 1 && l === ""));
    expect(ours.every((l) => l.length > 0 && l === l.trim())).toBe(true);
    for (const keyword of mdm) expect(ours).toContain(keyword);
    expect(new Set(ours).size).toBe(ours.length);
    expect(ours.includes("GetNextCACert")).toBe(nextCa);
  });
});

describe("caCertBody", () => {
  let root: GeneratedPair;
  let issuing: GeneratedPair;
  let ra: GeneratedPair;

  beforeAll(() => {
    root = generateCa({ subject: { commonName: "Bodies Root" }, key: { algorithm: "ec" }, validityDays: 3650, now, randomBytes });
    const rootMaterial = loadCaMaterial({ caCertPem: root.certPem, caKeyPem: root.keyPem }, { issuerOnly: true });
    issuing = generateCa({
      subject: { commonName: "Bodies Issuing" },
      key: { algorithm: "ec" },
      validityDays: 365,
      issuer: rootMaterial,
      now,
      randomBytes,
    });
    const issuingMaterial = loadCaMaterial({ caCertPem: issuing.certPem, caKeyPem: issuing.keyPem }, { issuerOnly: true });
    ra = generateRaPair({ ca: issuingMaterial, key: { algorithm: "ec" }, now, randomBytes });
  });

  it("a lone CA (micromdm's case) is the DER certificate unchanged, application/x-x509-ca-cert", () => {
    const mdm = fixtureBytes("mdm-GetCACert.resp.der");
    const body = caCertBody({ caDer: mdm, chainDers: [] });
    expect(body.contentType).toBe(CONTENT_TYPE.caCert);
    expect(body.contentType).toBe("application/x-x509-ca-cert");
    expect(bytesToHex(body.body)).toBe(bytesToHex(mdm));
  });

  it("CA + RA + chain -> application/x-x509-ca-ra-cert, certs-only in the order RA, CA, chain", () => {
    const body = caCertBody({ raDer: ra.certDer, caDer: issuing.certDer, chainDers: [root.certDer] });
    expect(body.contentType).toBe("application/x-x509-ca-ra-cert");
    expect(hasIndefiniteLength(body.body)).toBe(false);
    const { certificates, crls } = parseCertsOnly(body.body);
    expect(certificates).toHaveLength(3);
    expect(bytesEqual(certificates[0]!, ra.certDer)).toBe(true);
    expect(bytesEqual(certificates[1]!, issuing.certDer)).toBe(true);
    expect(bytesEqual(certificates[2]!, root.certDer)).toBe(true);
    expect(crls).toHaveLength(0);
  });

  it("CA + chain without an RA is certs-only too (CA first)", () => {
    const body = caCertBody({ caDer: issuing.certDer, chainDers: [root.certDer] });
    expect(body.contentType).toBe("application/x-x509-ca-ra-cert");
    const { certificates } = parseCertsOnly(body.body);
    expect(certificates.map((c) => bytesToHex(c))).toEqual([bytesToHex(issuing.certDer), bytesToHex(root.certDer)]);
  });

  it("RA + micromdm's CA: the fixture CA is carried byte for byte", () => {
    const mdm = fixtureBytes("mdm-GetCACert.resp.der");
    const { certificates } = parseCertsOnly(caCertBody({ raDer: ra.certDer, caDer: mdm, chainDers: [] }).body);
    expect(certificates).toHaveLength(2);
    expect(bytesEqual(certificates[1]!, mdm)).toBe(true);
  });
});
