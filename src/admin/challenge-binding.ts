// What a one-time challenge authorises (design rule 7): the subject it was minted for (if any) and
// exactly the SANs listed at minting (none if none). Both are stored in the canonical text form the
// enrollment computes from a CSR, so binding is an exact comparison inside the ledger.
import { checkRequestedNames, type NamePolicy } from "../ca/name-policy";
import { canonicalSans } from "../enroll/issue-request";
import { encodeGeneralNames } from "../x509/general-names";
import { encodeName, type RelativeName } from "../x509/name";
import { NameTextError, parseNameText } from "../x509/name-text";
import { parseGeneralNameText } from "../x509/general-name-text";
import { AdminError } from "./json";

const MAX_SANS = 32;
const PLACEHOLDER_SUBJECT: RelativeName[] = [[{ type: "2.5.4.3", tag: 0x0c, value: "binding" }]];

export function challengeBinding(subject: unknown, sans: unknown, policy: NamePolicy): { subject?: string; sans: string } {
  let rdns: RelativeName[] | undefined;
  if (subject !== undefined) {
    if (typeof subject !== "string") throw new AdminError(400, "bad_subject", "subject must be a string such as CN=device-1,O=Acme");
    try {
      rdns = parseNameText(subject);
    } catch (e) {
      if (e instanceof NameTextError) throw new AdminError(400, "bad_subject", `subject: ${e.message}`);
      throw e;
    }
  }
  if (sans !== undefined && (!Array.isArray(sans) || sans.length > MAX_SANS || sans.some((s) => typeof s !== "string"))) {
    throw new AdminError(
      400,
      "bad_sans",
      `sans must be an array of at most ${MAX_SANS} strings such as "dns:device-1.example.com" or "upn:alice@corp.example"`,
    );
  }
  const names = ((sans as string[] | undefined) ?? []).map((text) => {
    const parsed = parseGeneralNameText(text);
    if ("error" in parsed) throw new AdminError(400, "bad_sans", parsed.error);
    return parsed.name;
  });
  // The same policy the enrollment will apply: refuse now what could never be used.
  const check = checkRequestedNames(
    { subjectDer: encodeName(rdns ?? PLACEHOLDER_SUBJECT), subjectAltNameDer: names.length ? encodeGeneralNames(names) : undefined },
    policy,
    { intuneValidated: false },
  );
  if (!check.ok) throw new AdminError(400, "bad_names", check.reason);
  return { subject: rdns ? check.names.subjectText : undefined, sans: canonicalSans(check.names) };
}
