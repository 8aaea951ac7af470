// SANs typed by an admin ("dns:device-1.example.com", "upn:alice@corp.example", "ip:10.0.0.7"),
// turned into GeneralNames through the same encoder and strict parser a CSR's SANs go through, so
// both end in the same canonical text.
import { encodeGeneralNames, parseGeneralNames, type GeneralName } from "./general-names";

const TYPES = ["dns", "email", "upn", "uri", "ip"] as const;

export function parseGeneralNameText(text: string): { name: GeneralName } | { error: string } {
  const colon = text.indexOf(":");
  const type = colon > 0 ? text.slice(0, colon).trim().toLowerCase() : "";
  const value = colon > 0 ? text.slice(colon + 1).trim() : "";
  if (!(TYPES as readonly string[]).includes(type) || value === "") {
    return { error: `"${text.slice(0, 40)}" is not <type>:<value> with a type of ${TYPES.join(", ")}` };
  }
  let name: GeneralName;
  if (type === "ip") {
    const octets = ipOctets(value);
    if (!octets) return { error: `"${value.slice(0, 40)}" is not an IPv4 or IPv6 address` };
    name = { type: "ip", value, octets };
  } else {
    name = { type: type as "dns" | "email" | "upn" | "uri", value };
  }
  try {
    return { name: parseGeneralNames(encodeGeneralNames([name]))[0]! };
  } catch (e) {
    return { error: e instanceof Error ? e.message : "not a valid name" };
  }
}

function ipOctets(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? new Uint8Array(parts) : undefined;
  }
  if (!text.includes(":")) return undefined;
  let host: string;
  try {
    host = new URL(`http://[${text}]/`).hostname.slice(1, -1); // WHATWG URL validates and normalises IPv6
  } catch {
    return undefined;
  }
  const [head, tail] = host.includes("::") ? host.split("::") : [host, undefined];
  const groups = (s: string | undefined) => (s ? s.split(":") : []);
  const left = groups(head);
  const right = groups(tail);
  const words = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  if (words.length !== 8) return undefined;
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}
