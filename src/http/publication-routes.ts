// Public PKI artefacts: the CRL (RFC 5280 §5, RFC 8894 §2.7 prefers HTTP over GetCRL) and the CA
// certificate for AIA caIssuers.
import type { Config } from "../config";
import type { Runtime } from "../enroll/ports";
import { currentCrl, type CrlLedgerPort } from "../revocation/crl-service";
import { toPem } from "../util/pem";

export async function crlResponse(request: Request, url: URL, config: Config, ledger: CrlLedgerPort, runtime: Runtime): Promise<Response> {
  const crl = await currentCrl(config, ledger, runtime);
  const wantsPem = url.searchParams.get("format") === "pem" || url.pathname.endsWith(".pem") || (request.headers.get("accept") ?? "").includes("application/x-pem-file");
  const maxAge = Math.max(0, Math.min(300, Math.floor((crl.nextUpdate - runtime.now().getTime()) / 1000)));
  const headers = {
    "cache-control": `public, max-age=${maxAge}`,
    "last-modified": new Date(crl.thisUpdate).toUTCString(),
    etag: `"crl-${crl.number}"`,
  };
  if (request.headers.get("if-none-match") === headers.etag) return new Response(null, { status: 304, headers });
  if (wantsPem) return new Response(toPem("X509 CRL", crl.der), { headers: { ...headers, "content-type": "application/x-pem-file" } });
  return new Response(crl.der, { headers: { ...headers, "content-type": "application/pkix-crl" } });
}

export function caCertificateResponse(config: Config): Response {
  return new Response(config.ca.caCertDer, {
    headers: { "content-type": "application/pkix-cert", "cache-control": "public, max-age=3600" },
  });
}
