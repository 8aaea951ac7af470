// CMS SignedData as SCEP uses it: one signer with signed attributes (RFC 8894 §3.2) and the
// degenerate certs-only form (§3.4). Signing goes through node:crypto with the handle's key.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { createHash } from "node:crypto";
import type { PrivateKeyHandle } from "../crypto/keys";
import { signBytes } from "../crypto/signature";
import { algorithm, encodeDer, parseBer, sortForDerSet } from "./asn1";
import { HASH_TO_DIGEST_OID, OID, type HashName } from "./oids";

export interface SignerIdentity {
  cert: pkijs.Certificate;
  key: PrivateKeyHandle;
}

export interface SignedDataInput {
  /** eContent of type data; absent for FAILURE/PENDING CertReps (RFC 8894 §3.3.2). */
  content?: Uint8Array;
  /** SCEP attributes; contentType and messageDigest are added here. */
  attributes: pkijs.Attribute[];
  signer: SignerIdentity;
  hash: HashName;
  certificates: pkijs.Certificate[];
}

export function attribute(oid: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type: oid, values: [value] });
}

export function buildSignedData(input: SignedDataInput): Uint8Array {
  const digestAlg = algorithm(HASH_TO_DIGEST_OID[input.hash], new asn1js.Null());
  const content = input.content ?? new Uint8Array(0);
  const attributes = sortForDerSet([
    ...input.attributes,
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: createHash(input.hash).update(content).digest() })),
  ]);
  // The signature covers the DER SET OF the signed attributes (RFC 5652 §5.4).
  const setDer = encodeDer(new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }));
  const signature = signBytes(input.signer.key, input.hash, setDer);
  const signatureAlg =
    input.signer.key.algorithm === "rsa"
      ? algorithm(OID.rsaEncryption, new asn1js.Null()) // what scepclient, certmonger and micromdm use
      : algorithm(
          { sha1: OID.ecdsaWithSHA1, sha256: OID.ecdsaWithSHA256, sha384: OID.ecdsaWithSHA384, sha512: OID.ecdsaWithSHA512 }[
            input.hash
          ],
        );
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: input.signer.cert.issuer, serialNumber: input.signer.cert.serialNumber }),
    digestAlgorithm: digestAlg,
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm: signatureAlg,
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
  const encapContentInfo = encapsulatedData(input.content);
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [digestAlg],
    encapContentInfo,
    certificates: input.certificates,
    signerInfos: [signerInfo],
  });
  return wrapContentInfo(OID.signedData, signedData.toSchema());
}

/**
 * EncapsulatedContentInfo of type data with a primitive OCTET STRING eContent (DER). pkijs would
 * re-wrap the content as a constructed (BER) string and drop an empty one; an empty eContent is
 * what FAILURE/PENDING need (see cert-rep.ts), so the encoding is written here.
 */
function encapsulatedData(content: Uint8Array | undefined): pkijs.EncapsulatedContentInfo {
  const encap = new pkijs.EncapsulatedContentInfo({ eContentType: OID.data });
  if (content) {
    encap.toSchema = () =>
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: OID.data }),
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.OctetString({ valueHex: content })] }),
        ],
      });
  }
  return encap;
}

/** Degenerate certs-only SignedData (RFC 8894 §3.4): no content, no signers. */
export function buildCertsOnly(certDers: Uint8Array[], crlDers: Uint8Array[] = []): Uint8Array {
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: certDers.map((der) => new pkijs.Certificate({ schema: parseBer(der, "certificate") })),
    ...(crlDers.length
      ? { crls: crlDers.map((der) => new pkijs.CertificateRevocationList({ schema: parseBer(der, "CRL") })) }
      : {}),
    signerInfos: [],
  });
  return wrapContentInfo(OID.signedData, signedData.toSchema());
}

function wrapContentInfo(contentType: string, content: asn1js.AsnType): Uint8Array {
  return encodeDer(new pkijs.ContentInfo({ contentType, content }).toSchema());
}
