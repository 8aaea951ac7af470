// Which verifier a CSR's challengePassword goes to (CHALLENGE_MODE is a comma list). The static
// secret is checked first in any order: it is local and constant-time, and a mixed fleet
// (intune,static) must not send static-challenge devices to Intune. One-time challenges carry a
// recognisable prefix so they are never forwarded to Intune either.
import { digestHex } from "../crypto/digest";
import { utf8 } from "../util/bytes";
import { staticChallengeMatches } from "./static";

export const ONE_TIME_PREFIX = "otc_";

/** CHALLENGE_MODE's values: which verifiers a challengePassword may go to. */
export type ChallengeMode = "static" | "intune" | "one-time";
export const CHALLENGE_MODES: readonly ChallengeMode[] = ["static", "intune", "one-time"];

export type ChallengeRoute = { kind: "static" } | { kind: "one-time"; sha256: string } | { kind: "intune" } | { kind: "refused"; detail: string };

export function routeChallenge(
  presented: string | undefined,
  modes: readonly ChallengeMode[],
  staticChallenge: Uint8Array | undefined,
): ChallengeRoute {
  if (modes.includes("static") && staticChallenge && staticChallengeMatches(staticChallenge, presented)) return { kind: "static" };
  if (modes.includes("one-time") && presented?.startsWith(ONE_TIME_PREFIX)) {
    return { kind: "one-time", sha256: oneTimeChallengeHash(presented) };
  }
  // Intune reads the challenge from the CSR itself; a missing one is Intune's to report.
  if (modes.includes("intune")) return { kind: "intune" };
  return { kind: "refused", detail: presented === undefined ? "no challengePassword in CSR" : "challengePassword rejected" };
}

/** One-time challenges are stored only as this hash (RFC 8894 §7.3). */
export function oneTimeChallengeHash(challenge: string): string {
  return digestHex("sha256", utf8(challenge));
}
