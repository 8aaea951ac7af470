// Admin API authentication: a bearer token compared in constant time (ADMIN_TOKEN).
import { constantTimeEqual, utf8 } from "../util/bytes";

export type AuthResult = "ok" | "missing" | "wrong";

export function checkBearer(header: string | null, expected: Uint8Array): AuthResult {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return "missing";
  return constantTimeEqual(utf8(m[1]!), expected) ? "ok" : "wrong";
}
