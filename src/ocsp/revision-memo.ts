// The revocation revision of each CA's ledger as this isolate last read it (docs/ocsp.md, "The
// revocation bound"). With OCSP_REVISION_TTL_SECONDS=0, the default, it is read from the ledger
// for every cached "good", so nothing here is ever reused; with n > 0 an isolate reuses it for n s.

// OCSP_REVISION_TTL_SECONDS > 0: the revision an isolate last read per CA, reused for that long.
const revisions = new Map<string, { revision: number; readAt: number }>();

/**
 * The CA's current revocation revision. With a TTL of 0 (the default) it is read from the ledger
 * every time: after revoke() returns, no later read can see the old revision.
 */
export async function currentRevision(
  caKeyId: string,
  read: () => Promise<number>,
  ttlSeconds: number,
  now: number,
): Promise<{ revision: number; fromLedger: boolean }> {
  const known = revisions.get(caKeyId);
  if (ttlSeconds > 0 && known && now - known.readAt < ttlSeconds * 1000) return { revision: known.revision, fromLedger: false };
  const revision = await read();
  noteRevision(caKeyId, revision, now);
  return { revision, fromLedger: true };
}

/** Revisions only grow: a newer one learnt from a status read or a revocation replaces the memo. */
export function noteRevision(caKeyId: string, revision: number, now: number): void {
  const known = revisions.get(caKeyId);
  if (!known || revision >= known.revision) revisions.set(caKeyId, { revision, readAt: now });
}

/** This isolate revoked something: its next answer reads the revision again. */
export function forgetRevision(caKeyId: string): void {
  revisions.delete(caKeyId);
}
