// Test-only routes of the fake under /_fake/ (any origin): mint challenges, queue revocation
// requests, read what the fake saw, inject faults, move the scale unit, end the revocation cool-down.
import type { MicrosoftFake } from "./fake";
import { json, odataError, type ChallengeOptions, type FaultKind, type FaultTarget } from "./fake-types";

export function fakeAdmin(fake: MicrosoftFake, method: string, path: string, raw: string): Response {
  if (method === "POST" && path === "/_fake/challenges") {
    const opts = (raw ? JSON.parse(raw) : {}) as ChallengeOptions & { notBefore?: string; notAfter?: string };
    const challenge = fake.mintChallenge({
      ...opts,
      ...(opts.notBefore ? { notBefore: new Date(opts.notBefore) } : {}),
      ...(opts.notAfter ? { notAfter: new Date(opts.notAfter) } : {}),
    });
    return json(201, { challenge });
  }
  if (method === "POST" && path === "/_fake/revocations") {
    const r = JSON.parse(raw || "{}") as { serialNumber?: string; issuerName?: string; caConfiguration?: string; requestContext?: string };
    if (!r.serialNumber) return odataError(400, "BadRequest", "serialNumber is required");
    const serialNumber = r.serialNumber.replace(/[\s:]/g, "").toUpperCase();
    // Like Intune, by default the issuer and CA configuration the success notification reported.
    const reported = fake.notifications.find((n) => n.kind === "success" && n.notification.certificateSerialNumber === serialNumber)?.notification;
    const issuerName = r.issuerName ?? (typeof reported?.issuingCertificateAuthority === "string" ? reported.issuingCertificateAuthority : null);
    const caConfiguration = r.caConfiguration ?? (typeof reported?.caConfiguration === "string" ? reported.caConfiguration : undefined);
    const requestContext = fake.queueRevocation(serialNumber, issuerName, {
      ...(caConfiguration ? { caConfiguration } : {}),
      ...(r.requestContext ? { requestContext: r.requestContext } : {}),
    });
    return json(201, { requestContext, serialNumber, issuerName });
  }
  if (method === "GET" && path === "/_fake/revocations")
    return json(200, { queue: fake.revocations.queue, results: fake.revocations.results, downloads: fake.revocations.downloads });
  if (method === "POST" && path === "/_fake/revocations/cooldown-end") {
    fake.endCoolDown();
    return new Response(null, { status: 204 });
  }
  if (method === "GET" && path === "/_fake/requests")
    return json(
      200,
      fake.requests.filter((r) => r.service !== "admin"),
    );
  if (method === "GET" && path === "/_fake/notifications") return json(200, fake.notifications);
  if (method === "POST" && path === "/_fake/faults") {
    const f = JSON.parse(raw) as { target: FaultTarget; kind: FaultKind; times?: number };
    fake.inject(f.target, f.kind, f.times ?? 1);
    return new Response(null, { status: 204 });
  }
  if (method === "POST" && path === "/_fake/move") {
    fake.moveScaleUnit();
    return json(200, { path: fake.scepServicePath() });
  }
  return odataError(404, "NotFound", "Unknown fake admin route.");
}
