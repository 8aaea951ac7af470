// A driver Worker for scripts/bench-ledger.ts: it calls the ledger Durable Object over RPC from
// inside workerd (as the endpoint does), so the figure is the ledger's, not a Node proxy's.
import { Ledger } from "../../src/ledger/ledger";

export { Ledger };

interface DriverEnv {
  LEDGER: DurableObjectNamespace<Ledger>;
}

export default {
  async fetch(request: Request, env: DriverEnv): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "1000");
    const concurrency = Number(url.searchParams.get("c") ?? "1");
    const stub = env.LEDGER.getByName(url.searchParams.get("ledger") ?? "bench");
    const der = new Uint8Array(900).fill(7); // a typical issued certificate's size
    const csr = new Uint8Array(700).fill(3);
    const run = url.searchParams.get("run") ?? "r";
    let next = 0;
    const latencies: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const id = `${run}-${next++}`;
          const serial = crypto.randomUUID().replace(/-/g, "").toUpperCase();
          const t0 = performance.now();
          const out = await stub.recordIssuance(
            {
              transactionId: id,
              requestKey: "",
              csrSha256: id,
              csrDer: csr,
              signerSha256: id,
              subject: `CN=${id}`,
              messageType: 19,
              challengeKind: "static",
              lineage: "static",
              profile: "default",
              sans: "",
            },
            { serial, subject: `CN=${id}`, sans: "", notBefore: 0, notAfter: Date.now() + 1e9, sha1: "00", sha256: "00", der },
            Date.now(),
          );
          latencies.push(performance.now() - t0);
          if (out.kind !== "recorded") throw new Error(`unexpected ${out.kind}`);
        }
      }),
    );
    return Response.json({ n: latencies.length, ms: Date.now() - started, latencies });
  },
};
