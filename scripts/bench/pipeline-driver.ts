// A driver Worker for the benchmark's attribution (scripts/lib/workerd-pipeline.ts): inside
// workerd, with workerd's own node:crypto, it runs a batch of work per HTTP request so that the
// request's own cost is spread thin:
//   POST /?op=pipeline&ledger=stub|do   length-prefixed pkiMessages, each through handlePkiOperation
//                                        (the ledger stubbed, or the real Durable Object over RPC)
//   POST /?op=floor&n=N                  3 x N RSA-2048 signatures with the CA key (the floor)
import { ConfigError, loadConfig } from "../../src/config";
import type { Env } from "../../src/env";
import { handlePkiOperation } from "../../src/enroll/pki-operation";
import type { LedgerPort } from "../../src/enroll/ports";
import { ledgerFor } from "../../src/ledger/client";
import { signBytes } from "../../src/crypto/signature";
import { Ledger } from "../../src/ledger/ledger";

export { Ledger };

const stub = { recordIssuance: async () => ({ kind: "recorded" as const }) } as unknown as LedgerPort;
const runtime = { now: () => new Date(), randomBytes: (n: number) => crypto.getRandomValues(new Uint8Array(n)), log: () => {} };

/** Length-prefixed (4 bytes, big-endian) messages. */
function split(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + 4 <= body.length; ) {
    const n = ((body[at]! << 24) | (body[at + 1]! << 16) | (body[at + 2]! << 8) | body[at + 3]!) >>> 0;
    out.push(body.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const config = loadConfig(env);
    if (config instanceof ConfigError) return new Response(config.message, { status: 503 });
    const url = new URL(request.url);
    if (url.searchParams.get("op") === "floor") {
      const n = Number(url.searchParams.get("n") ?? "100");
      const data = crypto.getRandomValues(new Uint8Array(600));
      for (let i = 0; i < 3 * n; i++) signBytes(config.ca.caKey, "sha256", data);
      return new Response(String(n));
    }
    const real = url.searchParams.get("ledger") === "do";
    const ledger = real ? (ledgerFor(env.LEDGER, config.cas.current.ledgerName) as unknown as LedgerPort) : stub;
    const deps = { ledger, ledgerOf: () => ledger, runtime };
    let ok = 0;
    for (const der of split(new Uint8Array(await request.arrayBuffer()))) {
      const { failedAuthentication } = await handlePkiOperation(der, config, deps);
      if (!failedAuthentication) ok++;
    }
    return new Response(String(ok));
  },
};
