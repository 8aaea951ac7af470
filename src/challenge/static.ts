// Static shared-secret challenge (RFC 8894 §2.2 challengePassword), compared in constant time.
import { constantTimeEqual, utf8 } from "../util/bytes";

export function staticChallengeMatches(expected: Uint8Array, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return constantTimeEqual(utf8(presented), expected);
}
