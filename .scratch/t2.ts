import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { readFileSync } from "node:fs";
import { parsePem } from "/work/main/src/util/pem";
for (const f of ["r.pem","e.csr","b.csr"]) {
const der = parsePem(readFileSync("/tmp/cawork/"+f,"utf8"))[0]!.der;
const csr = pkijs.CertificationRequest.fromBER(der);
const cri = asn1js.fromBER(csr.tbsView).result as asn1js.Sequence;
for (const i of [1,2]) {
const raw = cri.valueBlock.value[i]!.valueBeforeDecodeView;
const re = new Uint8Array(asn1js.fromBER(raw).result.toBER());
const re2 = new Uint8Array(new pkijs.Certificate({ }).constructor === pkijs.Certificate ? (i==1? new pkijs.RelativeDistinguishedNames({schema: asn1js.fromBER(raw).result}).toSchema().toBER() : new pkijs.PublicKeyInfo({schema: asn1js.fromBER(raw).result}).toSchema().toBER()) : new ArrayBuffer(0));
console.log(f, i, Buffer.compare(Buffer.from(raw), Buffer.from(re)), Buffer.compare(Buffer.from(raw), Buffer.from(re2)));
}
}
// bmp string manual
const name = new asn1js.Sequence({value:[new asn1js.Set({value:[new asn1js.Sequence({value:[new asn1js.ObjectIdentifier({value:"2.5.4.3"}), new asn1js.BmpString({value:"hé"})]})]}), new asn1js.Set({value:[new asn1js.Sequence({value:[new asn1js.ObjectIdentifier({value:"2.5.4.10"}), new asn1js.TeletexString({value:"t\u00e9"})]})]})]});
const raw = new Uint8Array(name.toBER());
console.log(Buffer.from(raw).toString("hex"));
const re = new Uint8Array(asn1js.fromBER(raw).result.toBER());
console.log(Buffer.from(re).toString("hex"));
