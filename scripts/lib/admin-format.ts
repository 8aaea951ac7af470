// How scripts/admin.ts shows the admin API's answers: tables, times, revocation reasons, stats.

export function time(ms: unknown): string {
  return typeof ms === "number" ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z") : "-";
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

export const REASON_NAMES: Record<number, string> = {
  0: "unspecified",
  1: "keyCompromise",
  2: "cACompromise",
  3: "affiliationChanged",
  4: "superseded",
  5: "cessationOfOperation",
  6: "certificateHold",
  8: "removeFromCRL",
  9: "privilegeWithdrawn",
  10: "aACompromise",
};

export function certificateRow(c: Record<string, unknown>): string[] {
  return [String(c.serial), String(c.status), time(c.createdAt), time(c.notAfter), String(c.subject), String(c.transactionId)];
}
export const CERT_HEADERS = ["SERIAL", "STATUS", "ISSUED", "NOT AFTER", "SUBJECT", "TRANSACTION"];

/** GET /admin/stats as lines: the counts, then any warning, the CA's expiry and recent issuance. */
export function statsText(body: Record<string, unknown>): string {
  const scalars = Object.entries(body).filter(([, v]) => typeof v !== "object" || v === null);
  const width = Math.max(...scalars.map(([k]) => k.length));
  const lines = scalars.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  const expiry = Array.isArray(body.expiry) ? (body.expiry as { role: string; notAfter: number; daysLeft: number; state: string }[]) : [];
  for (const e of expiry) lines.push(`${`${e.role} expires`.padEnd(width)}  ${time(e.notAfter)} (${e.daysLeft} days, ${e.state})`);
  const activity = body.activity as { issuedPerDay?: number[] } | undefined;
  if (activity?.issuedPerDay) {
    const days = activity.issuedPerDay;
    lines.push(`${"issued".padEnd(width)}  ${days.reduce((a, b) => a + b, 0)} in ${days.length} days, ${days[days.length - 1] ?? 0} today`);
  }
  for (const [k, v] of Object.entries(body)) {
    if (k !== "expiry" && k !== "activity" && k !== "warnings" && typeof v === "object" && v !== null)
      lines.push(`${k.padEnd(width)}  ${JSON.stringify(v)}`);
  }
  for (const w of Array.isArray(body.warnings) ? (body.warnings as string[]) : []) lines.push(`WARNING: ${w}`);
  return lines.join("\n");
}
