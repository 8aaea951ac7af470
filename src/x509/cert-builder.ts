// Assembles an X.509 v3 certificate (RFC 5280 §4.1) and signs it with node:crypto. Issuer, subject
// and SubjectPublicKeyInfo are spliced in as raw DER, so they are byte-for-byte what the CA
// certificate and the CSR carry (some clients compare the issued subject bytes to what they asked for).
import { derBitString, derInteger, TAG, tlv } from "../asn1/der";
import type { HashName } from "../crypto/algorithms";
import { digestHex } from "../crypto/digest";
import type { PrivateKeyHandle } from "../crypto/keys";
import { signatureAlgorithmDer, signBytes } from "../crypto/signature";
import { timeDer } from "./time";

export interface CertificateFields {
  serial: Uint8Array;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** DER Extension values (see profile.ts). */
  extensions: Uint8Array[];
  signer: PrivateKeyHandle;
  hash: HashName;
}

const VERSION_V3 = tlv(0xa0, derInteger(2)); // [0] EXPLICIT INTEGER 2 (§4.1.2.1)
/** Builds the TBSCertificate, signs it, and returns the DER certificate. */
export function signCertificate(fields: CertificateFields): Uint8Array {
  if (fields.serial.length === 0 || fields.serial.length > 20 || (fields.serial[0]! & 0x80) !== 0) {
    throw new RangeError("serial must be a positive INTEGER of at most 20 octets (RFC 5280 §4.1.2.2)");
  }
  const sigAlg = signatureAlgorithmDer(fields.signer, fields.hash);
  const tbs = tlv(
    TAG.SEQUENCE,
    VERSION_V3,
    tlv(TAG.INTEGER, fields.serial),
    sigAlg, // §4.1.2.3: must equal the outer signatureAlgorithm
    fields.issuerDer,
    tlv(TAG.SEQUENCE, timeDer(fields.notBefore), timeDer(fields.notAfter)),
    fields.subjectDer,
    fields.spkiDer,
    tlv(0xa3, tlv(TAG.SEQUENCE, ...fields.extensions)),
  );
  const signature = signBytes(fields.signer, fields.hash, tbs);
  return tlv(TAG.SEQUENCE, tbs, sigAlg, derBitString(signature));
}

/** Uppercase hex digest of a certificate's DER, as the ledger and operators show fingerprints. */
export function fingerprintHex(der: Uint8Array, hash: "sha1" | "sha256"): string {
  return digestHex(hash, der, true);
}
