// PEM (RFC 7468): labelled base64 of DER, as settings, tools and operators exchange keys and certificates.
import { decodeBase64, encodeBase64 } from "./base64";

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in the text, in order. Text outside blocks (comments, bag attributes) is ignored. */
export function parsePem(text: string): PemBlock[] {
  // Settings pasted through dashboards or .dev.vars sometimes carry literal "\n" sequences.
  const normalised = text.replace(/\\n/g, "\n");
  const blocks: PemBlock[] = [];
  for (const match of normalised.matchAll(PEM_BLOCK)) {
    blocks.push({ label: match[1]!, der: decodeBase64(match[2]!) });
  }
  return blocks;
}

export function toPem(label: string, der: Uint8Array): string {
  const body = encodeBase64(der)
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
