// Serves a MicrosoftFake over real HTTP on 127.0.0.1 (ephemeral port by default), for Node tests,
// Miniflare outbound traffic and the dev:intune flow. Node-only: workerd tests use fake.handler.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeConnectionReset } from "./fake-types";
import type { MicrosoftFake } from "./fake";

export interface RunningFake {
  /** e.g. "http://127.0.0.1:41234": use it for ENTRA_AUTHORITY_URL and GRAPH_BASE_URL. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startMicrosoftFakeServer(fake: MicrosoftFake, port = 0): Promise<RunningFake> {
  const server = createServer((req, res) => void serve(fake, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        fake.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(fake: MicrosoftFake, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort(new DOMException("client went away", "AbortError"));
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
  const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
    method: req.method ?? "GET",
    headers,
    body,
    signal: controller.signal,
  });
  try {
    const response = await fake.handler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (err) {
    if (err instanceof FakeConnectionReset || controller.signal.aborted) {
      req.socket.destroy();
      return;
    }
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(`fake failure: ${String(err)}`);
  }
}
