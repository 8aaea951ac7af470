// OCSPRequest (RFC 6960 §4.1.1) read from raw DER, walking only the fixed shape the syntax allows:
// no recursion and a bound on every SEQUENCE OF, so a hostile request costs a few microseconds
// and nothing past the first refusal is read (design rule 8). No pkijs on this path.
import { content, DerError, readTlv, slice, TAG, type Tlv, tlv } from "../asn1/der";
import { oid } from "../asn1/oid";
import { OID } from "../asn1/oids";
import { HASH_TO_DIGEST_OID, type HashName } from "../crypto/algorithms";
import { bytesEqual, bytesToHex } from "../util/bytes";

/** Larger bodies are refused before they are read (POST 413, GET 414). */
export const MAX_OCSP_REQUEST_BYTES = 8192;
/** CertIDs in one request (RFC 5019 §2.1.1 clients send one; RFC 6960 allows a list). */
export const MAX_CERT_IDS = 16;
/** Extensions per request or per CertID. */
const MAX_EXTENSIONS = 8;
/** RFC 8954 §2.1: a nonce of 0 or more than 32 octets MUST be refused with malformedRequest. */
const MAX_NONCE_OCTETS = 32;
/** RFC 5280 §4.1.2.2: serials are at most 20 octets (one more for a sign pad). */
const MAX_SERIAL_OCTETS = 21;

const HASH_LENGTH: Record<HashName, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
const HASHES = Object.keys(HASH_LENGTH) as HashName[];

/** Anything that makes the request unanswerable: the wire gets malformedRequest (§2.3). */
export class OcspRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OcspRequestError";
  }
}

/** CertID (§4.1.1), checked and re-encoded in DER so the response echoes it exactly. */
export interface CertId {
  hash: HashName;
  /** AlgorithmIdentifier parameters were an explicit NULL (OpenSSL) rather than absent. */
  nullParams: boolean;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  /** Contents octets of serialNumber. */
  serial: Uint8Array;
  /** Upper-case hex of `serial`, as the ledger stores serials. */
  serialHex: string;
  /** DER CertID, re-encoded from the fields above. */
  der: Uint8Array;
}

export interface OcspRequest {
  certIds: CertId[];
  /** The nonce's value (1..32 octets) when the request carried one (RFC 8954). */
  nonce?: Uint8Array;
}

const NONCE = oid(OID.ocspNonce);
/** Request extensions this responder understands (and ignores: §4.4.3, §4.4.7), so a critical one is no refusal. */
const KNOWN_EXTENSIONS = [OID.ocspAcceptableResponses, OID.ocspPreferredSignatureAlgorithms].map(oid);

/** Children of a constructed TLV, refusing a (max+1)th before reading it: no field is ever "extra". */
function items(der: Uint8Array, parent: Tlv, max: number, what: string): Tlv[] {
  if ((der[parent.start]! & 0x20) === 0) throw new OcspRequestError(`${what}: not constructed`);
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    if (out.length === max) throw new OcspRequestError(`${what}: more than ${max} items`);
    const t = readTlv(der, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new OcspRequestError(`${what}: expected tag 0x${tag.toString(16)}`);
  return t;
}

export function parseOcspRequest(der: Uint8Array): OcspRequest {
  try {
    return readRequest(der);
  } catch (e) {
    if (e instanceof DerError) throw new OcspRequestError(`malformed DER: ${e.message}`);
    throw e;
  }
}

function readRequest(der: Uint8Array): OcspRequest {
  if (der.length > MAX_OCSP_REQUEST_BYTES) throw new OcspRequestError("request too large");
  const top = expect(readTlv(der, 0), TAG.SEQUENCE, "OCSPRequest");
  if (top.end !== der.length) throw new OcspRequestError("bytes after the OCSPRequest");
  // OCSPRequest ::= SEQUENCE { tbsRequest, optionalSignature [0] EXPLICIT OPTIONAL }. A signature
  // is not required here and not verified (§4.1.2 leaves that to local policy): only its shape.
  const [tbs, signature] = items(der, top, 2, "OCSPRequest");
  if (signature) expect(signature, 0xa0, "optionalSignature");
  // TBSRequest ::= SEQUENCE { version [0] DEFAULT v1, requestorName [1] OPTIONAL, requestList, requestExtensions [2] OPTIONAL }
  const fields = items(der, expect(tbs, TAG.SEQUENCE, "tbsRequest"), 4, "tbsRequest");
  let i = 0;
  if (fields[i]?.tag === 0xa0) {
    const version = expect(items(der, fields[i]!, 1, "version")[0], TAG.INTEGER, "version");
    if (content(der, version).length !== 1 || der[version.contentStart] !== 0) throw new OcspRequestError("version is not v1");
    i++;
  }
  if (fields[i]?.tag === 0xa1) i++; // requestorName: identifies the requester; no policy uses it
  const list = expect(fields[i++], TAG.SEQUENCE, "requestList");
  let nonce: Uint8Array | undefined;
  if (fields[i]?.tag === 0xa2) nonce = readExtensions(der, fields[i++]!, true);
  if (i !== fields.length) throw new OcspRequestError("tbsRequest: unexpected field");

  const requests = items(der, list, MAX_CERT_IDS, "requestList");
  if (requests.length === 0) throw new OcspRequestError("requestList is empty");
  const certIds = requests.map((r) => {
    // Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT OPTIONAL }
    const [certId, extensions] = items(der, expect(r, TAG.SEQUENCE, "Request"), 2, "Request");
    if (extensions) readExtensions(der, expect(extensions, 0xa0, "singleRequestExtensions"), false);
    return readCertId(der, expect(certId, TAG.SEQUENCE, "CertID"));
  });
  return nonce ? { certIds, nonce } : { certIds };
}

/**
 * Extensions ::= SEQUENCE OF Extension, under an EXPLICIT tag. Unknown non-critical extensions are
 * ignored (§4.4); an unknown critical one cannot be honoured, so the request is refused. Returns
 * the nonce when `allowNonce` and one is present.
 */
function readExtensions(der: Uint8Array, tagged: Tlv, allowNonce: boolean): Uint8Array | undefined {
  const [seq] = items(der, tagged, 1, "extensions");
  let nonce: Uint8Array | undefined;
  for (const ext of items(der, expect(seq, TAG.SEQUENCE, "Extensions"), MAX_EXTENSIONS, "Extensions")) {
    // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const parts = items(der, expect(ext, TAG.SEQUENCE, "Extension"), 3, "Extension");
    const id = slice(der, expect(parts[0], TAG.OID, "extnID"));
    let critical = false;
    let at = 1;
    if (parts[1]?.tag === 0x01) {
      if (parts[1].end - parts[1].contentStart !== 1) throw new OcspRequestError("critical is not a BOOLEAN");
      critical = der[parts[1].contentStart] !== 0;
      at = 2;
    }
    const value = expect(parts[at], TAG.OCTET_STRING, "extnValue");
    if (parts.length !== at + 1) throw new OcspRequestError("Extension: unexpected field");
    if (bytesEqual(id, NONCE) && allowNonce) {
      if (nonce) throw new OcspRequestError("two nonce extensions");
      nonce = readNonce(content(der, value));
    } else if (critical && !KNOWN_EXTENSIONS.some((known) => bytesEqual(known, id))) {
      throw new OcspRequestError("unsupported critical extension");
    }
  }
  return nonce;
}

/** RFC 8954 §2.1: extnValue holds Nonce ::= OCTET STRING (SIZE(1..32)). */
function readNonce(extnValue: Uint8Array): Uint8Array {
  let inner: Tlv;
  try {
    inner = readTlv(extnValue, 0);
  } catch {
    throw new OcspRequestError("nonce is not an OCTET STRING");
  }
  if (inner.tag !== TAG.OCTET_STRING || inner.end !== extnValue.length) throw new OcspRequestError("nonce is not an OCTET STRING");
  const value = content(extnValue, inner);
  if (value.length === 0 || value.length > MAX_NONCE_OCTETS)
    throw new OcspRequestError(`nonce of ${value.length} octets (1 to ${MAX_NONCE_OCTETS} allowed)`);
  return value.slice();
}

/** CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING, serialNumber INTEGER } */
function readCertId(der: Uint8Array, certId: Tlv): CertId {
  const [alg, nameHash, keyHash, serial] = items(der, certId, 4, "CertID");
  const [algOid, params] = items(der, expect(alg, TAG.SEQUENCE, "hashAlgorithm"), 2, "hashAlgorithm");
  expect(algOid, TAG.OID, "hashAlgorithm");
  const algOidDer = slice(der, algOid!);
  const hash = HASHES.find((h) => bytesEqual(oid(HASH_TO_DIGEST_OID[h]), algOidDer));
  if (!hash) throw new OcspRequestError("unsupported CertID hash algorithm");
  if (params && (params.tag !== TAG.NULL || params.end !== params.contentStart)) throw new OcspRequestError("hashAlgorithm parameters are not NULL");
  const issuerNameHash = content(der, expect(nameHash, TAG.OCTET_STRING, "issuerNameHash")).slice();
  const issuerKeyHash = content(der, expect(keyHash, TAG.OCTET_STRING, "issuerKeyHash")).slice();
  if (issuerNameHash.length !== HASH_LENGTH[hash] || issuerKeyHash.length !== HASH_LENGTH[hash]) {
    throw new OcspRequestError("issuer hash length does not match the hash algorithm");
  }
  const serialBytes = content(der, expect(serial, TAG.INTEGER, "serialNumber")).slice();
  if (serialBytes.length === 0 || serialBytes.length > MAX_SERIAL_OCTETS) throw new OcspRequestError("serialNumber length");
  // X.690 §8.3.2: the first nine bits of an INTEGER are never all zeros or all ones.
  if (serialBytes.length > 1 && ((serialBytes[0] === 0 && serialBytes[1]! < 0x80) || (serialBytes[0] === 0xff && serialBytes[1]! >= 0x80))) {
    throw new OcspRequestError("serialNumber is not minimally encoded");
  }
  const algDer = params ? tlv(TAG.SEQUENCE, algOidDer, new Uint8Array([TAG.NULL, 0])) : tlv(TAG.SEQUENCE, algOidDer);
  return {
    hash,
    nullParams: Boolean(params),
    issuerNameHash,
    issuerKeyHash,
    serial: serialBytes,
    serialHex: bytesToHex(serialBytes, true),
    der: tlv(TAG.SEQUENCE, algDer, tlv(TAG.OCTET_STRING, issuerNameHash), tlv(TAG.OCTET_STRING, issuerKeyHash), tlv(TAG.INTEGER, serialBytes)),
  };
}
