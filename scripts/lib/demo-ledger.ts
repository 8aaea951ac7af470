// A believable ledger for the console's screenshots (npm run screenshots): certificates really
// signed by the demo CA, recorded over the past weeks through the ledger's own RPC (which takes the
// time of the record as an argument, as every ledger method does), and a few enrolled today over
// SCEP. Demo data only; nothing here runs in tests or in the Worker.
import { randomBytes } from "node:crypto";
import type { Miniflare } from "miniflare";
import { caKeyId } from "../../src/ca/ca-set";
import { type CaMaterial, loadCaMaterial } from "../../src/ca/ca-material";
import { issueCertificate } from "../../src/ca/issue";
import { defaultProfile } from "../../src/ca/profiles";
import { newRsaKey } from "../../src/client/certificates";
import { buildCsr } from "../../src/client/csr-builder";
import { discoverCa } from "../../src/client/discovery";
import { buildRequest, openCertRep, selfSigned } from "../../src/client/enrollment";
import { sendPkiOperation } from "../../src/client/scep-client";
import { spkiOfPrivateKey } from "../../src/crypto/keys";
import type { Ledger } from "../../src/ledger/ledger";
import { MessageType, PkiStatus } from "../../src/scep/oids";
import { encodeName, simpleName } from "../../src/x509/name";

const DAY = 86_400_000;
const DEVICES = ["laptop", "kiosk", "printer", "phone", "tablet", "router", "badge-reader", "vpn-gw"];

/** Certificates over the last `days` days: a weekday rhythm, a few revoked; returns how many. */
export async function seedHistory(mf: Miniflare, caCertPem: string, caKeyPem: string, days: number): Promise<number> {
  const ca = loadCaMaterial({ caCertPem, caKeyPem }, { issuerOnly: true });
  const ns = (await mf.getDurableObjectNamespace("LEDGER")) as unknown as DurableObjectNamespace<Ledger>;
  const ledger = ns.getByName(`ca-key:${caKeyId(ca.caSpkiDer)}`);
  const key = newRsaKey(2048);
  const spkiDer = spkiOfPrivateKey(key.handle);
  let n = 0;
  for (let d = days - 1; d >= 1; d--) {
    const at = Date.now() - d * DAY;
    const weekday = new Date(at).getUTCDay() % 6 !== 0;
    const count = weekday ? 2 + ((d * 7) % 5) : d % 3;
    for (let i = 0; i < count; i++) {
      const name = `${DEVICES[(d + i) % DEVICES.length]}-${String(1000 + n)}`;
      const kind = n % 5 === 0 ? "one-time" : "static";
      await record(ledger, ca, spkiDer, name, kind, new Date(at + i * 60_000));
      if (n % 11 === 3) await ledger.revoke(lastSerial, n % 2 ? 1 : 4, at + DAY);
      n++;
    }
  }
  return n;
}

let lastSerial = "";

async function record(ledger: DurableObjectStub<Ledger>, ca: CaMaterial, spkiDer: Uint8Array, cn: string, kind: "static" | "one-time", now: Date) {
  const serial = new Uint8Array(randomBytes(16));
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const subjectDer = encodeName(simpleName({ commonName: cn, organization: "Example Corp" }));
  const cert = issueCertificate({
    key: { spkiDer, algorithm: "rsa" },
    names: { subjectDer, subjectText: `CN=${cn},O=Example Corp`, subjectAltNameCritical: false },
    profile: defaultProfile(365, 0),
    ca,
    serial,
    now,
  });
  lastSerial = cert.serialHex;
  const outcome = await ledger.recordIssuance(
    {
      transactionId: `demo-${cert.serialHex.slice(0, 16)}`,
      requestKey: "",
      csrSha256: cert.sha256Hex,
      csrDer: new Uint8Array([0x30, 0x00]),
      signerSha256: "",
      subject: cert.subjectText,
      messageType: MessageType.PKCSReq,
      challengeKind: kind,
      lineage: kind,
      profile: "default",
      sans: "",
    },
    {
      serial: cert.serialHex,
      subject: cert.subjectText,
      sans: "",
      notBefore: cert.notBefore.getTime(),
      notAfter: cert.notAfter.getTime(),
      sha1: cert.sha1Hex,
      sha256: cert.sha256Hex,
      der: cert.der,
    },
    now.getTime(),
  );
  if (outcome.kind !== "recorded") throw new Error(`demo ledger: ${outcome.kind}`);
}

/** One enrollment over SCEP, as a device does it; PENDING is fine (approval queue). */
export async function enrollNow(url: string, cn: string, challenge: string, dns: string[] = []): Promise<"issued" | "pending"> {
  const ca = await discoverCa({ url });
  const key = newRsaKey(2048);
  const csrDer = buildCsr({ key: key.handle, subject: { commonName: cn, organization: "Example Corp" }, challenge, dnsNames: dns });
  const req = buildRequest({
    messageType: MessageType.PKCSReq,
    csrDer,
    signer: selfSigned(key.handle, { commonName: cn }),
    recipients: ca.recipients,
    cipher: "aes-128-cbc",
    hash: "sha256",
  });
  const res = await sendPkiOperation({ url }, req.der, "POST");
  const rep = openCertRep(
    new Uint8Array(await res.arrayBuffer()),
    req,
    ca.certs.map((c) => c.der),
  );
  if (rep.status === PkiStatus.SUCCESS) return "issued";
  if (rep.status === PkiStatus.PENDING) return "pending";
  throw new Error(`enrollment of ${cn}: ${rep.failInfoText ?? "FAILURE"}`);
}
