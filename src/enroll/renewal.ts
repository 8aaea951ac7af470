// Renewal is recognised by the request's signer, not by messageType (RFC 8894 §3.3.1.2): scepclient
// sends RenewalReq (17) signed by its certificate, certmonger and macOS send PKCSReq (19) signed by
// the previous certificate. A signer this CA issued, still within its validity, authenticates the
// request in place of a challenge.
import type { CaMaterial } from "../ca/ca-material";
import { serialToHex } from "../ca/serial";
import { publicKeyFromSpki } from "../crypto/keys";
import { hashForSignature, verifyBytes } from "../crypto/signature";
import { bytesEqual } from "../util/bytes";
import type { CertView } from "../x509/cert-view";

export interface RenewalSigner {
  serial: string;
  subjectDer: Uint8Array;
}

export function renewalSigner(signer: CertView, ca: CaMaterial, now: Date): RenewalSigner | undefined {
  if (!bytesEqual(signer.issuerDer, ca.caSubjectDer)) return undefined;
  const hash = hashForSignature(signer.signatureAlgorithmOid);
  if (!hash || !verifyBytes(caPublicKey(ca), hash, signer.tbs, signer.signature)) return undefined;
  const t = now.getTime();
  if (t < signer.notBefore.getTime() || t > signer.notAfter.getTime()) return undefined;
  return { serial: serialToHex(signer.serial), subjectDer: signer.subjectDer };
}

const caKeys = new WeakMap<CaMaterial, ReturnType<typeof publicKeyFromSpki>>();

function caPublicKey(ca: CaMaterial) {
  let key = caKeys.get(ca);
  if (!key) caKeys.set(ca, (key = publicKeyFromSpki(ca.caSpkiDer)));
  return key;
}
