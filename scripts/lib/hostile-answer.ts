// Reading what the Worker answered a (hostile) PKIOperation: the HTTP status and text of a
// refusal, or the CertRep's pkiStatus, failInfo and failInfoText (its signature checked by the
// parser); with the signer's key, the issued certificate's serial of a SUCCESS.
import type { PrivateKeyHandle } from "../../src/crypto/keys";
import { parseCertsOnly } from "../../src/scep/certs-only";
import { decryptEnvelope, recipientKeyFor } from "../../src/scep/envelope";
import { PkiStatus } from "../../src/scep/oids";
import { parsePkiMessage } from "../../src/scep/pki-message";
import { bytesToHex } from "../../src/util/bytes";
import { parseCertView } from "../../src/x509/cert-view";
import type { Expected } from "./hostile-cases";

export interface Answer {
  status: number;
  text?: string;
  pkiStatus?: number;
  failInfo?: number;
  failInfoText?: string;
  /** Serial (uppercase hex) of the first certificate of a SUCCESS, when it could be opened. */
  serial?: string;
  retryAfter?: string;
}

export async function answerOf(res: Response, opener?: { certDer: Uint8Array; key: PrivateKeyHandle }): Promise<Answer> {
  const body = new Uint8Array(await res.arrayBuffer());
  const answer: Answer = { status: res.status, retryAfter: res.headers.get("retry-after") ?? undefined };
  if (res.headers.get("content-type") !== "application/x-pki-message") return { ...answer, text: new TextDecoder().decode(body).trim() };
  try {
    const rep = parsePkiMessage(body);
    Object.assign(answer, { pkiStatus: rep.pkiStatus, failInfo: rep.failInfo, failInfoText: rep.failInfoText });
    if (rep.pkiStatus === PkiStatus.SUCCESS && opener && rep.envelope) {
      const opened = decryptEnvelope(rep.envelope, [recipientKeyFor(parseCertView(opener.certDer), opener.key)], { allowLegacyDes: false });
      const first = parseCertsOnly(opened.content).certificates[0];
      if (first) answer.serial = bytesToHex(parseCertView(first).serial, true);
    }
  } catch (e) {
    answer.text = `unreadable CertRep: ${(e as Error).message}`;
  }
  return answer;
}

export function matches(a: Answer, expect: Expected | { http: 429; text: RegExp }): boolean {
  if ("success" in expect) return a.pkiStatus === PkiStatus.SUCCESS;
  if ("http" in expect) return a.status === expect.http && expect.text.test(a.text ?? "");
  return a.status === 200 && a.pkiStatus === PkiStatus.FAILURE && a.failInfo === expect.failInfo && expect.text.test(a.failInfoText ?? "");
}

const FAIL_INFO = ["badAlg", "badMessageCheck", "badRequest", "badTime", "badCertId"];

export function describeAnswer(a: Answer): string {
  if (a.pkiStatus === PkiStatus.SUCCESS) return "SUCCESS";
  if (a.pkiStatus === PkiStatus.PENDING) return "PENDING";
  if (a.pkiStatus === PkiStatus.FAILURE) return `FAILURE ${FAIL_INFO[a.failInfo ?? -1] ?? a.failInfo}: ${a.failInfoText ?? ""}`;
  return `HTTP ${a.status}${a.retryAfter ? ` (Retry-After ${a.retryAfter})` : ""}: ${(a.text ?? "").slice(0, 60)}`;
}
