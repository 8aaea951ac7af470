// Device-side CSRs for the Intune tests, built with WebCrypto + pkijs so the same helper runs in
// Node and inside workerd. Keys are generated once per size and reused.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

const NAME_OIDS: Record<string, string> = { CN: "2.5.4.3", O: "2.5.4.10", OU: "2.5.4.11", C: "2.5.4.6", L: "2.5.4.7", ST: "2.5.4.8" };
const keyPairs = new Map<number, Promise<CryptoKeyPair>>();

export interface TestCsrOptions {
  subject?: string;
  /** "dns:x", "email:x", "uri:x". */
  sans?: string[];
  challenge?: string;
  bits?: number;
  /** Flip a signature bit after signing. */
  breakSignature?: boolean;
}

function keyPair(bits: number): Promise<CryptoKeyPair> {
  let p = keyPairs.get(bits);
  if (!p) {
    p = crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    ) as Promise<CryptoKeyPair>;
    keyPairs.set(bits, p);
  }
  return p;
}

export async function makeCsr(options: TestCsrOptions = {}): Promise<Uint8Array> {
  const keys = await keyPair(options.bits ?? 2048);
  const csr = new pkijs.CertificationRequest();
  csr.version = 0;
  for (const rdn of (options.subject ?? "CN=device-1").split(",").filter(Boolean)) {
    const [type, value] = rdn.split("=") as [string, string];
    csr.subject.typesAndValues.push(
      new pkijs.AttributeTypeAndValue({ type: NAME_OIDS[type.trim()]!, value: new asn1js.Utf8String({ value: value.trim() }) }),
    );
  }
  await csr.subjectPublicKeyInfo.importKey(keys.publicKey);
  const attributes: pkijs.Attribute[] = [];
  if (options.challenge !== undefined) {
    attributes.push(new pkijs.Attribute({ type: "1.2.840.113549.1.9.7", values: [new asn1js.PrintableString({ value: options.challenge })] }));
  }
  if (options.sans?.length) {
    const names = new pkijs.GeneralNames({
      names: options.sans.map((s) => {
        const [kind, value] = [s.slice(0, s.indexOf(":")), s.slice(s.indexOf(":") + 1)];
        return new pkijs.GeneralName({ type: kind === "email" ? 1 : kind === "uri" ? 6 : 2, value });
      }),
    });
    const ext = new pkijs.Extension({ extnID: "2.5.29.17", critical: false, extnValue: names.toSchema().toBER(false) });
    attributes.push(new pkijs.Attribute({ type: "1.2.840.113549.1.9.14", values: [new pkijs.Extensions({ extensions: [ext] }).toSchema()] }));
  }
  csr.attributes = attributes;
  await csr.sign(keys.privateKey, "SHA-256");
  if (options.breakSignature) {
    const sig = new Uint8Array(csr.signatureValue.valueBlock.valueHexView);
    sig[sig.length - 1]! ^= 1;
    csr.signatureValue = new asn1js.BitString({ valueHex: sig.buffer });
  }
  return new Uint8Array(csr.toSchema(!options.breakSignature).toBER(false));
}
