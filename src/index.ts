// Placeholder entry; replaced by the HTTP edge.
export default {
  async fetch(): Promise<Response> {
    return new Response("not ready", { status: 503 });
  },
};
export class Ledger {}
