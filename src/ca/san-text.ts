// A readable form of subjectAltName GeneralNames for the ledger and logs ("DNS:a, email:b").
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { toArrayBuffer, toBytes } from "../util/bytes";

export function generalNamesText(der: Uint8Array | undefined): string {
  if (!der) return "";
  try {
    const names = new pkijs.GeneralNames({ schema: asn1js.fromBER(toArrayBuffer(der)).result });
    return names.names.map(describe).join(", ");
  } catch {
    return "(unreadable)";
  }
}

function describe(name: pkijs.GeneralName): string {
  switch (name.type) {
    case 1:
      return `email:${String(name.value)}`;
    case 2:
      return `DNS:${String(name.value)}`;
    case 6:
      return `URI:${String(name.value)}`;
    case 7: {
      const bytes = toBytes((name.value as asn1js.OctetString).valueBlock.valueHexView);
      return `IP:${bytes.length === 4 ? Array.from(bytes).join(".") : Buffer.from(bytes).toString("hex").replace(/(.{4})(?!$)/g, "$1:")}`;
    }
    default:
      return `type${name.type}`;
  }
}
