// Reading one extension of a DER certificate (RFC 5280 §4.1, §4.2) without building an object model.
import { children, content, DerError, readTlv, TAG } from "../asn1/der";
import { decodeOid } from "../asn1/oid";
import { OID } from "../asn1/oids";

export interface CertificateExtension {
  critical: boolean;
  /** extnValue contents. */
  value: Uint8Array;
}

/** The extension with this OID, or undefined. Throws DerError on a malformed certificate. */
export function certificateExtension(certDer: Uint8Array, oid: string): CertificateExtension | undefined {
  const cert = readTlv(certDer, 0);
  const tbs = children(certDer, cert)[0];
  if (!tbs || tbs.tag !== TAG.SEQUENCE) throw new DerError("certificate: no TBSCertificate");
  const wrapper = children(certDer, tbs).find((f) => f.tag === 0xa3); // extensions [3] EXPLICIT
  if (!wrapper) return undefined;
  const list = children(certDer, wrapper)[0];
  if (!list || list.tag !== TAG.SEQUENCE) throw new DerError("certificate: malformed extensions");
  for (const ext of children(certDer, list)) {
    const parts = children(certDer, ext);
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (!id || id.tag !== TAG.OID || !value || value.tag !== TAG.OCTET_STRING || parts.length > 3)
      throw new DerError("certificate: malformed extension");
    if (decodeOid(content(certDer, id)) !== oid) continue;
    const critical = parts.length === 3 && parts[1]!.tag === TAG.BOOLEAN && certDer[parts[1]!.contentStart] !== 0;
    return { critical, value: content(certDer, value) };
  }
  return undefined;
}

/**
 * basicConstraints cA TRUE (RFC 5280 §4.2.1.9: SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLen
 * INTEGER OPTIONAL }); false when absent, FALSE or unreadable.
 */
export function isCaCertificate(certDer: Uint8Array): boolean {
  try {
    const ext = certificateExtension(certDer, OID.basicConstraints);
    if (!ext) return false;
    const seq = readTlv(ext.value, 0);
    const first = seq.tag === TAG.SEQUENCE ? children(ext.value, seq)[0] : undefined;
    return first?.tag === TAG.BOOLEAN && content(ext.value, first)[0] !== 0;
  } catch (e) {
    if (e instanceof DerError) return false;
    throw e;
  }
}
