// Serves a MicrosoftFake over real HTTP on 127.0.0.1: three servers, one per role (Entra
// authority, Graph, Intune), as the real clouds keep them on separate hosts. Ephemeral ports by
// default; with a base port P they are P, P+1 and P+2. For Node tests, Miniflare outbound traffic
// and the dev:intune flow. Node-only: workerd tests use fake.handler.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeConnectionReset } from "./fake-types";
import type { MicrosoftFake } from "./fake";

export interface RunningFake {
  /** ENTRA_AUTHORITY_URL, e.g. "http://127.0.0.1:41234"; also where /_fake/ admin routes are handy. */
  url: string;
  authorityUrl: string;
  /** GRAPH_BASE_URL. */
  graphUrl: string;
  /** The origin discovery hands out for the Intune services. */
  intuneUrl: string;
  port: number;
  close(): Promise<void>;
}

async function listen(fake: MicrosoftFake, port: number): Promise<{ server: Server; url: string; port: number }> {
  const server = createServer((req, res) => void serve(fake, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${actual}`, port: actual };
}

export async function startMicrosoftFakeServer(fake: MicrosoftFake, port = 0): Promise<RunningFake> {
  const servers: Server[] = [];
  const closeAll = () =>
    Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  try {
    const authority = await listen(fake, port);
    servers.push(authority.server);
    const graph = await listen(fake, port ? port + 1 : 0);
    servers.push(graph.server);
    const intune = await listen(fake, port ? port + 2 : 0);
    servers.push(intune.server);
    fake.setOrigins({ authority: authority.url, graph: graph.url, intune: intune.url });
    return {
      url: authority.url,
      authorityUrl: authority.url,
      graphUrl: graph.url,
      intuneUrl: intune.url,
      port: authority.port,
      close: async () => {
        fake.close();
        await closeAll();
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
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
