// Thin helpers over asn1js/pkijs so the protocol modules read as protocol, not as ASN.1 plumbing.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { concatBytes, toArrayBuffer, toBytes } from "../util/bytes";

export class Asn1Error extends Error {}

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

/** Text of any ASN.1 string type (PrintableString, UTF8String, IA5String, BMPString, ...). */
export function asn1StringValue(value: unknown): string | undefined {
  if (value instanceof asn1js.BaseStringBlock) {
    return (value as unknown as { valueBlock: { value: string } }).valueBlock.value;
  }
  return undefined;
}

/** The raw value bytes of a primitive element (e.g. a PrintableString's octets), for byte-exact echo. */
export function primitiveValueBytes(value: asn1js.AsnType): Uint8Array | undefined {
  const block = (value as { valueBlock?: { valueHexView?: Uint8Array } }).valueBlock;
  return block?.valueHexView ? toBytes(block.valueHexView).slice() : undefined;
}

export function nullParams(): asn1js.Null {
  return new asn1js.Null();
}

export function algorithm(oid: string, params?: asn1js.AsnType): pkijs.AlgorithmIdentifier {
  return params === undefined
    ? new pkijs.AlgorithmIdentifier({ algorithmId: oid })
    : new pkijs.AlgorithmIdentifier({ algorithmId: oid, algorithmParams: params });
}

/** DER SET OF: elements sorted by their encodings (X.690 §11.6), as signed attributes require. */
export function sortForDerSet<T extends { toSchema(): { toBER(sizeOnly?: boolean): ArrayBuffer } }>(items: T[]): T[] {
  const encoded = items.map((item) => ({ item, der: encodeDer(item.toSchema()) }));
  encoded.sort((a, b) => compareBytes(a.der, b.der));
  return encoded.map((e) => e.item);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
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
