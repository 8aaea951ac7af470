// Getting the pkiMessage bytes out of a GET query or a POST body (RFC 8894 §4.1) with the
// tolerance real clients need, and hard size limits.
import { decodeBase64 } from "../asn1/base64";
import { reject } from "../enroll/errors";

const BASE64_CHARS = /^[A-Za-z0-9+/=_-]*$/;

/**
 * The raw value of a query parameter, percent-decoded but with '+' kept as '+' where possible:
 * URLSearchParams would turn an unescaped '+' (macOS, scepclient) into a space.
 */
export function rawQueryParam(search: string, name: string): string | undefined {
  const query = search.startsWith("?") ? search.slice(1) : search;
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    const key = eq === -1 ? part : part.slice(0, eq);
    if (safeDecode(key).toLowerCase() !== name.toLowerCase()) continue;
    return eq === -1 ? "" : safeDecode(part.slice(eq + 1));
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw reject({ kind: "bad-percent-encoding" });
  }
}

/**
 * GET PKIOperation message: standard base64 percent-escaped (certmonger), with '+' and '/' left
 * raw (macOS), '+' turned into a space by a proxy, base64url (micromdm scepclient), or with
 * embedded line breaks (Cisco's %0A).
 */
export function decodeGetMessage(value: string | undefined, maxBytes: number): Uint8Array {
  if (value === undefined || value === "") throw reject({ kind: "get-without-message" });
  const compact = value.replace(/[\r\n\t]/g, "").replace(/ /g, "+");
  if (!BASE64_CHARS.test(compact)) throw reject({ kind: "not-base64" });
  if (compact.length > Math.ceil(maxBytes / 3) * 4 + 4) throw reject({ kind: "get-too-large" });
  const bytes = decodeBase64(compact);
  if (bytes.length > maxBytes) throw reject({ kind: "get-too-large" });
  if (bytes.length === 0) throw reject({ kind: "empty-message" });
  return bytes;
}

/** POST body of any content type (scepclient sends application/octet-stream), read with a cap. */
export async function readPostMessage(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw reject({ kind: "post-too-large" });
  if (!request.body) throw reject({ kind: "empty-body" });
  // A declared length within the cap: the runtime reads the body natively, in one piece (it
  // enforces the length it was told). Without one (chunked), read it chunk by chunk under the cap.
  const body = Number.isFinite(declared) ? new Uint8Array(await request.arrayBuffer()) : await readCapped(request.body, maxBytes);
  if (body.length === 0) throw reject({ kind: "empty-body" });
  if (body.length > maxBytes) throw reject({ kind: "post-too-large" });
  // Some clients POST the base64 text instead of DER: a DER pkiMessage starts with SEQUENCE (0x30).
  if (body[0] !== 0x30) {
    const text = new TextDecoder().decode(body).trim();
    if (BASE64_CHARS.test(text.replace(/\s/g, ""))) return decodeGetMessage(text, maxBytes);
  }
  return body;
}

async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw reject({ kind: "post-too-large" });
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}
