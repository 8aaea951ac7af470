// The requests of `npm run soak`: fresh enrollments, device retries of finished ones (same
// transactionID and CSR, a fresh signer and nonce), RenewalReqs signed by an issued certificate,
// wrong challenges and garbage. Retries and renewals are built when their turn comes, from what
// has succeeded by then. Legitimate devices each have their own client address; the wrong
// challenges and the garbage come from a few attacker addresses, as they would.
import { randomBytes } from "node:crypto";
import type { ClientKey } from "../../src/client/certificates";
import { buildCsr } from "../../src/client/csr-builder";
import { buildRequest, openCertRep, selfSigned, type BuiltRequest } from "../../src/client/enrollment";
import { summarizeCert } from "../../src/client/certificates";
import { MessageType, PkiStatus } from "../../src/scep/oids";
import type { CertView } from "../../src/x509/cert-view";
import { enrollmentRequest } from "./enroll-load";

export type Kind = "fresh" | "retry" | "renewal" | "wrong" | "garbage";

/** The mix of the issue: 10 % retries, 5 % renewals, 5 % wrong challenges, 5 % garbage. */
const MIX: [Kind, number][] = [
  ["retry", 0.1],
  ["renewal", 0.05],
  ["wrong", 0.05],
  ["garbage", 0.05],
];

export interface Issued {
  /** Fresh enrollments are retried; renewals, signed by a certificate, are not (a retry would need that signer). */
  fresh: boolean;
  cn: string;
  key: ClientKey;
  transactionId: string;
  csrDer: Uint8Array;
  certDer: Uint8Array;
  serial: string;
}

export interface Planned {
  kind: Kind;
  ip: string;
  body: Uint8Array;
  request?: BuiltRequest;
  cn?: string;
  key?: ClientKey;
  csrDer?: Uint8Array;
  /** For a retry: the certificate it must be answered with. */
  original?: Issued;
}

const rb = (n: number) => new Uint8Array(randomBytes(n));
const ATTACKERS = 8;

export class SoakMix {
  private fresh = 0;
  readonly issued: Issued[] = [];

  constructor(
    private readonly recipients: CertView[],
    private readonly keys: ClientKey[],
    private readonly challenge: string,
  ) {}

  /** The kind of the i-th request of n: the mix spread evenly, the rest fresh. */
  static kinds(n: number): Kind[] {
    const kinds: Kind[] = Array.from({ length: n }, () => "fresh");
    for (const [kind, share] of MIX) {
      const count = Math.round(n * share);
      for (let j = 0; j < count; j++) {
        // Spread each kind over the run, skipping the first 5 % (retries and renewals need history).
        let at = Math.floor(n * 0.05 + ((n * 0.95) / count) * j + Math.random() * 7) % n;
        while (kinds[at] !== "fresh") at = (at + 1) % n;
        kinds[at] = kind;
      }
    }
    return kinds;
  }

  plan(kind: Kind, i: number): Planned {
    if ((kind === "retry" || kind === "renewal") && this.issued.length === 0) kind = "fresh";
    const deviceIp = `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;
    const attackerIp = `192.0.2.${1 + (i % ATTACKERS)}`;
    switch (kind) {
      case "garbage":
        return { kind, ip: attackerIp, body: rb(64 + (i % 900)) };
      case "wrong":
        return { ...this.request(`wrong-${i}`, "not-the-challenge", MessageType.PKCSReq), kind, ip: attackerIp };
      case "retry": {
        const fresh = this.issued.filter((x) => x.fresh);
        const original = fresh[Math.floor(Math.random() * fresh.length)]!;
        const request = buildRequest({
          messageType: MessageType.PKCSReq,
          csrDer: original.csrDer,
          signer: selfSigned(original.key.handle, { commonName: original.cn }),
          recipients: this.recipients,
          cipher: "aes-128-cbc",
          hash: "sha256",
          transactionId: original.transactionId,
        });
        return { kind, ip: deviceIp, body: request.der, request, original };
      }
      case "renewal": {
        const old = this.issued[Math.floor(Math.random() * this.issued.length)]!;
        const csrDer = buildCsr({ key: old.key.handle, subject: { commonName: old.cn }, hash: "sha256" });
        const request = buildRequest({
          messageType: MessageType.RenewalReq,
          csrDer,
          signer: { cert: old.certDer, key: old.key.handle },
          recipients: this.recipients,
          cipher: "aes-128-cbc",
          hash: "sha256",
          transactionId: Buffer.from(rb(20)).toString("hex"),
        });
        return { kind, ip: deviceIp, body: request.der, request, cn: old.cn, key: old.key, csrDer };
      }
      case "fresh":
        return { ...this.request(`soak-${this.fresh++}-${i}`, this.challenge, MessageType.PKCSReq), kind, ip: deviceIp };
    }
  }

  private request(cn: string, challenge: string, type: MessageType): Omit<Planned, "kind" | "ip"> {
    const key = this.keys[this.fresh % this.keys.length]!;
    const { csrDer, request } = enrollmentRequest(key, cn, challenge, this.recipients, type);
    return { body: request.der, request, cn, key, csrDer };
  }
}

export interface Outcome {
  kind: Kind;
  /** "success", "refused" (the expected FAILURE or 4xx), "limited" (429) or what went wrong. */
  result: "success" | "refused" | "limited" | string;
  serial?: string;
}

/** Checks one answer against what its kind must get; records successes for later retries and renewals. */
export function judge(p: Planned, status: number, type: string, body: Uint8Array, caDers: Uint8Array[], mix: SoakMix): Outcome {
  if (status === 429) return { kind: p.kind, result: p.kind === "wrong" || p.kind === "garbage" ? "limited" : "429 for a legitimate device" };
  if (p.kind === "garbage") return { kind: p.kind, result: status === 400 ? "refused" : `garbage got HTTP ${status}` };
  if (status !== 200 || !type.startsWith("application/x-pki-message")) return { kind: p.kind, result: `HTTP ${status} ${type}` };
  let rep: ReturnType<typeof openCertRep>;
  try {
    rep = openCertRep(body, p.request!, caDers);
  } catch (e) {
    return { kind: p.kind, result: `bad CertRep: ${(e as Error).message}` };
  }
  if (p.kind === "wrong")
    return { kind: p.kind, result: rep.status === PkiStatus.FAILURE ? "refused" : `wrong challenge got pkiStatus ${rep.status}` };
  if (rep.status !== PkiStatus.SUCCESS || !rep.certificates[0]) return { kind: p.kind, result: `pkiStatus ${rep.status} ${rep.failInfoText ?? ""}` };
  const certDer = rep.certificates[0];
  const serial = summarizeCert(certDer).serialHex;
  if (p.kind === "retry") {
    const same = Buffer.from(certDer).equals(Buffer.from(p.original!.certDer));
    return { kind: p.kind, result: same ? "success" : "retry answered with another certificate", serial };
  }
  mix.issued.push({ fresh: p.kind === "fresh", cn: p.cn!, key: p.key!, transactionId: p.request!.transactionId, csrDer: p.csrDer!, certDer, serial });
  return { kind: p.kind, result: "success", serial };
}
