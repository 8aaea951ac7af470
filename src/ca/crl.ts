// X.509 v2 CRL (RFC 5280 §5) signed by the CA: CRL number, AKI, and a reason code per entry.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { signatureAlgorithmFor, signBytes } from "../crypto/signature";
import { OID } from "../scep/oids";
import { hexToBytes, toArrayBuffer, toBytes } from "../util/bytes";
import type { CaMaterial } from "./ca-material";

export interface CrlEntry {
  serialHex: string;
  revokedAt: Date;
  /** RFC 5280 §5.3.1 CRLReason; 0 (unspecified) is omitted from the entry as §5.3.1 advises. */
  reason: number;
}

export interface CrlInput {
  ca: CaMaterial;
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: CrlEntry[];
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §5.1.2.4). */
function crlTime(date: Date): pkijs.Time {
  const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
  return new pkijs.Time({ type: whole.getUTCFullYear() < 2050 ? 0 : 1, value: whole });
}

function extension(oid: string, value: asn1js.AsnType, critical = false): pkijs.Extension {
  return new pkijs.Extension({ extnID: oid, critical, extnValue: value.toBER(false) });
}

export function buildCrl(input: CrlInput): Uint8Array {
  const { ca } = input;
  const hash = "sha256";
  const alg = signatureAlgorithmFor(ca.caKey, hash);
  const sigAlg = alg.nullParams
    ? new pkijs.AlgorithmIdentifier({ algorithmId: alg.oid, algorithmParams: new asn1js.Null() })
    : new pkijs.AlgorithmIdentifier({ algorithmId: alg.oid });
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1; // v2: extensions present
  crl.signature = sigAlg;
  crl.issuer = ca.caCert.subject;
  crl.thisUpdate = crlTime(input.thisUpdate);
  crl.nextUpdate = crlTime(input.nextUpdate);
  if (input.entries.length > 0) {
    crl.revokedCertificates = input.entries.map(
      (e) =>
        new pkijs.RevokedCertificate({
          userCertificate: new asn1js.Integer({ valueHex: toArrayBuffer(hexToBytes(e.serialHex)) }),
          revocationDate: crlTime(e.revokedAt),
          ...(e.reason !== 0
            ? { crlEntryExtensions: new pkijs.Extensions({ extensions: [extension(OID.crlReason, new asn1js.Enumerated({ value: e.reason }))] }) }
            : {}),
        }),
    );
  }
  const aki = new asn1js.Sequence({
    value: [new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: toArrayBuffer(ca.caSubjectKeyId) })],
  });
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [extension(OID.authorityKeyIdentifier, aki), extension(OID.crlNumber, new asn1js.Integer({ value: input.number }))],
  });
  crl.tbsView = new Uint8Array((crl as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  crl.signatureAlgorithm = sigAlg;
  crl.signatureValue = new asn1js.BitString({ valueHex: toArrayBuffer(signBytes(ca.caKey, hash, crl.tbsView)) });
  return toBytes(crl.toSchema().toBER());
}
