// Renewal is recognised by the request's signer, not by messageType (RFC 8894 §3.3.1.2): scepclient
// sends RenewalReq (17) signed by its certificate, certmonger and macOS send PKCSReq (19) signed by
// the previous certificate. A signer this CA issued, still within its validity, authenticates the
// request in place of a challenge.
import type * as pkijs from "pkijs";
import { isSignedBy, type CaMaterial } from "../ca/ca-material";
import { serialToHex } from "../ca/serial";
import { encodeDer, serialBytes } from "../scep/asn1";
import { bytesEqual } from "../util/bytes";

export interface RenewalSigner {
  serial: string;
  subjectDer: Uint8Array;
}

export function renewalSigner(signer: pkijs.Certificate, ca: CaMaterial, now: Date): RenewalSigner | undefined {
  if (!bytesEqual(encodeDer(signer.issuer.toSchema()), ca.caSubjectDer)) return undefined;
  if (!isSignedBy(signer, ca.caSpkiDer)) return undefined;
  const t = now.getTime();
  if (t < signer.notBefore.value.getTime() || t > signer.notAfter.value.getTime()) return undefined;
  return { serial: serialToHex(serialBytes(signer.serialNumber)), subjectDer: encodeDer(signer.subject.toSchema()) };
}
