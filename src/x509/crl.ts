// X.509 v2 CRL (RFC 5280 §5) signed by a CA: CRL number, AKI, and a reason code per entry. Written
// as raw DER like certificates (cert-builder.ts); test/unit/x509-crl.test.ts holds it byte for byte
// to what pkijs writes for the same input.
import { derBitString, derInteger, TAG, tlv } from "../asn1/der";
import { OID } from "../asn1/oids";
import type { PrivateKeyHandle } from "../crypto/keys";
import { signatureAlgorithmDer, signBytes } from "../crypto/signature";
import { hexToBytes } from "../util/bytes";
import { authorityKeyIdentifierValue, extensionDer } from "./extensions";
import { timeDer } from "./time";

export interface CrlEntry {
  serialHex: string;
  revokedAt: Date;
  /** RFC 5280 §5.3.1 CRLReason; 0 (unspecified) is omitted from the entry as §5.3.1 advises. */
  reason: number;
}

export interface CrlInput {
  /** The CA's subject Name DER (the CRL issuer, §5.1.2.3) and key identifier (AKI, §5.2.1). */
  issuerDer: Uint8Array;
  authorityKeyId: Uint8Array;
  signer: PrivateKeyHandle;
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: CrlEntry[];
}

const V2 = derInteger(1); // §5.1.2.1: v2, since extensions are present

/** CRLReason ::= ENUMERATED (§5.3.1), non-critical. */
function reasonExtension(reason: number): Uint8Array {
  return extensionDer(OID.crlReason, false, tlv(TAG.ENUMERATED, new Uint8Array([reason])));
}

function revokedEntry(e: CrlEntry): Uint8Array {
  const parts = [tlv(TAG.INTEGER, hexToBytes(e.serialHex)), timeDer(e.revokedAt)];
  if (e.reason !== 0) parts.push(tlv(TAG.SEQUENCE, reasonExtension(e.reason)));
  return tlv(TAG.SEQUENCE, ...parts);
}

export function buildCrl(input: CrlInput): Uint8Array {
  const hash = "sha256";
  const sigAlg = signatureAlgorithmDer(input.signer, hash);
  if (!Number.isInteger(input.number) || input.number < 0) throw new RangeError("CRL number must be a non-negative integer");
  const fields = [V2, sigAlg, input.issuerDer, timeDer(input.thisUpdate), timeDer(input.nextUpdate)];
  if (input.entries.length > 0) {
    if (input.entries.some((e) => !Number.isInteger(e.reason) || e.reason < 0 || e.reason > 10)) throw new RangeError("CRLReason out of range");
    fields.push(tlv(TAG.SEQUENCE, ...input.entries.map(revokedEntry)));
  }
  const extensions = [
    extensionDer(OID.authorityKeyIdentifier, false, authorityKeyIdentifierValue(input.authorityKeyId)),
    extensionDer(OID.crlNumber, false, derInteger(input.number)),
  ];
  fields.push(tlv(0xa0, tlv(TAG.SEQUENCE, ...extensions)));
  const tbs = tlv(TAG.SEQUENCE, ...fields);
  const signature = signBytes(input.signer, hash, tbs);
  return tlv(TAG.SEQUENCE, tbs, sigAlg, derBitString(signature));
}
