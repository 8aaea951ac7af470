// pkijs as an independent oracle for tests: the Worker and the client library read and write raw
// DER (src/asn1/), and tests check their output with a second, unrelated ASN.1 implementation.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { concatBytes, toArrayBuffer, toBytes } from "../../src/util/bytes";

export class Asn1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Asn1Error";
  }
}

/** Parses BER (indefinite lengths included: iOS and jscep send them) or throws Asn1Error. */
export function parseBer(bytes: Uint8Array, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(toArrayBuffer(bytes));
  if (parsed.offset === -1) throw new Asn1Error(`${what}: not valid BER (${parsed.result.error})`);
  return parsed.result;
}

/** Runs a pkijs constructor over a parsed schema, turning its exceptions into Asn1Error. */
export function decodeAs<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    throw new Asn1Error(`${what}: ${e instanceof Error ? e.message : "malformed"}`);
  }
}

export function encodeDer(value: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array {
  return new Uint8Array(value.toBER(false));
}

/** The contents of an OCTET STRING, primitive or constructed (BER segments are concatenated). */
export function octetStringBytes(value: asn1js.OctetString | asn1js.AsnType): Uint8Array {
  // pkijs re-tags some OCTET STRINGs (e.g. EncryptedContentInfo's [0]) as generic blocks.
  if (value instanceof asn1js.OctetString && !value.idBlock.isConstructed) return toBytes(value.valueBlock.valueHexView);
  const block = (value as { valueBlock?: { value?: asn1js.AsnType[]; valueHexView?: Uint8Array } }).valueBlock;
  if (Array.isArray(block?.value) && block.value.length > 0) return concatBytes(...block.value.map((v) => octetStringBytes(v)));
  return toBytes(block?.valueHexView ?? new Uint8Array(0));
}

export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return decodeAs("certificate", () => new pkijs.Certificate({ schema: parseBer(der, "certificate") }));
}

export function certificateDer(cert: pkijs.Certificate): Uint8Array {
  return encodeDer(cert.toSchema());
}

/** Positive serial as its DER INTEGER content bytes (leading zero stripped for comparisons). */
export function serialBytes(integer: asn1js.Integer): Uint8Array {
  const raw = toBytes(integer.valueBlock.valueHexView);
  let start = 0;
  while (start < raw.length - 1 && raw[start] === 0) start++;
  return raw.slice(start);
}
