// Base64 (RFC 4648), the transfer encoding of DER in PEM (RFC 7468), SCEP GET messages (RFC 8894
// §4.1) and JWTs (RFC 7515 §2). Node's Buffer codec runs in workerd with nodejs_compat as in Node.

/** Standard alphabet with padding, no line breaks. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Standard or URL-safe base64, with or without padding; whitespace is ignored, and so (as Node
 * does) is any other character outside the alphabet: callers that must refuse those check first.
 */
export function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "base64"));
}

/** Unpadded base64url (RFC 7515 §2): the encoding of JWS segments and `x5t#S256`. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Unpadded base64url (RFC 7515 §2, Appendix C) strictly: only its alphabet, and never a length of
 * 4n+1 characters, which no byte string encodes to (WHATWG forgiving-base64 refuses it too).
 * Returns undefined for anything else.
 */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const decoded = Buffer.from(text, "base64url");
  const out = new Uint8Array(decoded.length);
  out.set(decoded);
  return out;
}
