// Syntax of the text inside GeneralNames (RFC 5280 §4.2.1.6) and of domain settings. Each check
// returns a short problem ("has an empty label") or undefined; callers add which name it was.

const LDH_LABEL = /^[A-Za-z0-9-]+$/;

/**
 * RFC 5280 §4.2.1.6 / RFC 1034 §3.5 "preferred name syntax": LDH labels of 1..63 octets, 253 in
 * all, no trailing dot. A leading "*." label is accepted only when `allowWildcard` (the policy
 * decides whether wildcards are issued; RFC 6125 §6.4.3 puts them leftmost only).
 */
export function dnsNameProblem(name: string, allowWildcard = false): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > 253) return "is longer than 253 characters";
  if (name.endsWith(".")) return "ends with a dot";
  const labels = name.split(".");
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (i === 0 && label === "*" && allowWildcard && labels.length > 1) continue;
    if (label.length === 0) return "has an empty label";
    if (label.length > 63) return "has a label longer than 63 characters";
    if (label.includes("_")) return "contains an underscore";
    if (label.includes("*")) return "has a '*' that is not a leading wildcard label";
    if (!LDH_LABEL.test(label)) return "has a character other than a letter, digit, '-' or '.'";
    if (label.startsWith("-") || label.endsWith("-")) return "has a label that starts or ends with '-'";
  }
  return undefined;
}

export function isWildcardDns(name: string): boolean {
  return name.startsWith("*.");
}

// RFC 5322 §3.2.3 atext; a dot-atom local part (RFC 5280 §4.2.1.6 refers to RFC 5321 Mailbox).
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;

/** local@domain with an ASCII dot-atom local part (≤ 64, RFC 5321 §4.5.3.1.1) and a DNS domain. */
export function emailProblem(address: string): string | undefined {
  const at = address.indexOf("@");
  if (at < 0 || address.indexOf("@", at + 1) >= 0) return "must contain exactly one '@'";
  const local = address.slice(0, at);
  if (local.length === 0) return "has an empty local part";
  if (local.length > 64) return "has a local part longer than 64 characters";
  if (!DOT_ATOM.test(local)) return "has a local part that is not an RFC 5322 dot-atom";
  const domainProblem = dnsNameProblem(address.slice(at + 1));
  return domainProblem ? `has a domain that ${domainProblem}` : undefined;
}

/** Microsoft UPN: user@suffix, the user part any Unicode (already free of controls), the suffix a DNS name. */
export function upnProblem(upn: string): string | undefined {
  const at = upn.indexOf("@");
  if (at < 0 || upn.indexOf("@", at + 1) >= 0) return "must contain exactly one '@'";
  if (at === 0) return "has an empty user part";
  const suffixProblem = dnsNameProblem(upn.slice(at + 1));
  return suffixProblem ? `has a suffix that ${suffixProblem}` : undefined;
}

/** The part after '@', for domain policy and case-insensitive comparison. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1);
}

// RFC 3986 §3.1 scheme; the rest printable ASCII without the characters §2 never allows.
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const URI_FORBIDDEN = /[^\u0021-\u007e]|["<>\\^`{|}]/;

export function uriProblem(uri: string): string | undefined {
  const scheme = URI_SCHEME.exec(uri);
  if (!scheme) return "does not start with an RFC 3986 scheme";
  if (uri.length === scheme[0].length) return "has nothing after the scheme";
  if (URI_FORBIDDEN.test(uri)) return "has a space, non-ASCII or other character RFC 3986 does not allow";
  return undefined;
}

/** Dotted quad, or RFC 5952 text for IPv6 (lower case, longest zero run as "::", mapped IPv4 dotted). */
export function ipText(octets: Uint8Array): string {
  if (octets.length === 4) return Array.from(octets).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((octets[i]! << 8) | octets[i + 1]!);
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${Array.from(octets.subarray(12)).join(".")}`;
  let bestStart = -1;
  let bestLength = 1; // §4.2.2: a single zero group is never shortened
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i]; // §4.2.3: the first of equal runs
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
