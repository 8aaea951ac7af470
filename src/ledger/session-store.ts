// Admin console sessions that were ended by logout before their expiry. A session is a signed
// cookie (src/admin/console-session.ts) and needs no storage to be valid; only a logout must be
// remembered, until the session would have expired anyway, so that a copy of the cookie stops
// working too. Kept in the Durable Object's key-value storage (no table, no migration): the keys
// are `console-session-ended:<id>`, the value the session's expiry (ms).
const PREFIX = "console-session-ended:";

export function endSession(kv: SyncKvStorage, id: string, expiresAt: number, now: number): void {
  // Forget the ones that expired meanwhile, so the list stays as long as the sessions still alive.
  for (const [key, until] of kv.list<number>({ prefix: PREFIX })) if (until <= now) kv.delete(key);
  if (expiresAt > now) kv.put(PREFIX + id, expiresAt);
}

export function sessionEnded(kv: SyncKvStorage, id: string): boolean {
  return kv.get<number>(PREFIX + id) !== undefined;
}
