// Injected faults of the Microsoft fake: the answer (or the broken connection) each FaultKind stands for.
import { FakeConnectionReset, json, odataError, type FaultKind, type LoggedRequest } from "./fake-types";
import { scepResult } from "./scep-service";

export async function faultResponse(kind: FaultKind, request: Request, url: URL, entry: LoggedRequest, hang: (request: Request) => Promise<Response>): Promise<Response> {
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
