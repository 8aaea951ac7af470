// Injected faults of the Microsoft fake: the answer (or the broken connection) each FaultKind stands
// for, and requests held back (a hang, or a gate that releases concurrent requests together).
import { FakeConnectionReset, json, odataError, type FaultKind, type FaultTarget, type LoggedRequest } from "./fake-types";
import { SCEP_ACTIONS, scepResult } from "./scep-service";

interface Gate {
  target: FaultTarget;
  count: number;
  waiting: (() => void)[];
  timer: ReturnType<typeof setTimeout>;
}

export class Holds {
  private hangs = new Set<() => void>();
  private gates: Gate[] = [];

  constructor(private readonly maxHangMs: () => number) {}

  holdUntil(target: FaultTarget, count: number, maxWaitMs: number): void {
    const gate: Gate = { target, count, waiting: [], timer: setTimeout(() => this.openGate(gate), maxWaitMs) };
    this.gates.push(gate);
  }

  passGate(target: FaultTarget): Promise<void> | undefined {
    const gate = this.gates.find((g) => g.target === target || (g.target === "scep" && (SCEP_ACTIONS as readonly string[]).includes(target)));
    if (!gate) return undefined;
    const arrived = new Promise<void>((resolve) => gate.waiting.push(resolve));
    if (gate.waiting.length >= gate.count) this.openGate(gate);
    return arrived;
  }

  /** Never answers until the caller aborts (then rejects) or maxHangMs passes (then a 504). */
  hang(request: Request): Promise<Response> {
    return new Promise((resolve, reject) => {
      const release = () => {
        clearTimeout(timer);
        this.hangs.delete(release);
        resolve(new Response("too late", { status: 504 }));
      };
      const timer = setTimeout(release, this.maxHangMs());
      this.hangs.add(release);
      request.signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          this.hangs.delete(release);
          reject(request.signal.reason ?? new DOMException("aborted", "AbortError"));
        },
        { once: true },
      );
    });
  }

  close(): void {
    for (const release of this.hangs) release();
    this.hangs.clear();
    for (const gate of [...this.gates]) this.openGate(gate);
  }

  private openGate(gate: Gate): void {
    clearTimeout(gate.timer);
    this.gates = this.gates.filter((g) => g !== gate);
    for (const release of gate.waiting) release();
  }
}

export async function faultResponse(
  kind: FaultKind,
  request: Request,
  url: URL,
  entry: LoggedRequest,
  hang: (request: Request) => Promise<Response>,
): Promise<Response> {
  entry.fault = kind;
  switch (kind) {
    case "400":
      return odataError(400, "BadRequest", "Injected bad request.");
    case "401":
      return entry.service === "token"
        ? json(401, { error: "invalid_client", error_description: "AADSTS7000222: The provided client secret keys are expired." })
        : odataError(401, entry.service === "graph" ? "InvalidAuthenticationToken" : "Unauthorized", "Injected 401.");
    case "403":
      return odataError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    case "404":
      return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } });
    case "500":
      return odataError(500, "InternalError", "An internal server error occurred (injected).");
    case "503":
      return odataError(503, "ServiceUnavailable", "The service is temporarily unavailable (injected).");
    case "hang":
      return hang(request);
    case "reset":
      throw new FakeConnectionReset();
    case "nonJson":
      return new Response("<html><body>Service Unavailable</body></html>", { status: 200, headers: { "content-type": "text/html" } });
    case "unknownCode":
      entry.code = "SomeNewCode";
      return scepResult(url, "SomeNewCode", "A code this client has never seen.");
    case "missingCode":
      return scepResult(url, undefined, "");
    case "nullDescription":
      return scepResult(url, "Success", null);
  }
}
