// A streamed upload without Content-Length beyond MAX_MESSAGE_BYTES: the Worker answers 413 and
// stops reading, so a client pushing an endless body cannot make it buffer one. Over real HTTP
// (chunked transfer encoding) against the built Worker.
import { connect } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";
import { startWorker, type RunningWorker } from "../../scripts/lib/worker-server";

let ca: TestCa;
let worker: RunningWorker;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Oversize Upload CA" });
  worker = await startWorker({ bindings: { CA_CERT: ca.certPem, CA_KEY: ca.keyPem, SCEP_CHALLENGE: "oversize-upload" } });
});
afterAll(async () => {
  await worker?.stop();
  await ca?.cleanup();
});

test("oversize streamed body without Content-Length -> 413, and the Worker stops reading", async () => {
  const total = 2_000; // 8 MB in 4 KiB chunks, if anyone read them all
  // A raw socket: the Worker answers before the upload ends and closes the connection, so an HTTP
  // client library fails the write (EPIPE) before it reads the answer, as a real uploader would.
  const { head, written } = await new Promise<{ head: string; written: number }>((resolve, reject) => {
    let written = 0;
    let received = "";
    const socket = connect(worker.port, "127.0.0.1");
    const chunk = Buffer.concat([Buffer.from("1000\r\n"), Buffer.alloc(4096, 0x30), Buffer.from("\r\n")]);
    socket.on("data", (d) => {
      received += d.toString("latin1");
      if (received.includes("\r\n\r\n")) {
        resolve({ head: received.split("\r\n")[0]!, written });
        socket.destroy();
      }
    });
    socket.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" || e.code === "ECONNRESET" ? undefined : reject(e)));
    socket.on("close", () => (received ? undefined : reject(new Error("closed without an answer"))));
    // Paced, as an uploader on a real link: the Worker's answer is read before the next chunk goes
    // out. Flooding the socket would make the server's close reset the connection (RST), and a
    // reset discards the answer still unread in this process's receive buffer.
    const pump = () => {
      if (received || written >= total || socket.destroyed) return;
      written++;
      socket.write(chunk, () => setTimeout(pump, 2));
    };
    socket.write(`POST /scep?operation=PKIOperation HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n`);
    pump();
  });
  expect(head).toMatch(/^HTTP\/1\.1 413 /);
  expect(written).toBeLessThan(total);
});
