// Public PKI artefacts (RFC 5280 §5, RFC 8894 §2.7 prefers HTTP over GetCRL): each CA's CRL and
// certificate, by CA key id, so that certificates issued before a CA rollover keep working URLs.
//   /crl, /crl.pem                      the current CA's CRL
//   /crl/<ca-key-id>[.pem]              any CA's CRL (issued certificates carry this one)
//   /ca.crt                             the current CA certificate
//   /ca/<ca-key-id>.crt                 any CA's certificate (AIA caIssuers)
import { caByKeyId, type IssuingCa } from "../ca/ca-set";
import type { Config } from "../config";
import type { CrlLedgerPort, Runtime } from "../enroll/ports";
import { currentCrl, CrlUnavailableError, type CurrentCrl } from "../enroll/crl-service";
import { toPem } from "../asn1/pem";
import { text } from "./scep-routes";

export type PublicationRoute = { kind: "crl"; ca: IssuingCa; pem: boolean } | { kind: "ca"; ca: IssuingCa } | { kind: "unknown-ca" };

export function publicationRoute(path: string, config: Config): PublicationRoute | undefined {
  if (path === "/crl" || path === "/crl.pem") return { kind: "crl", ca: config.cas.current, pem: path.endsWith(".pem") };
  if (path === "/ca.crt") return { kind: "ca", ca: config.cas.current };
  const crl = /^\/crl\/([0-9a-f]{32})(\.pem)?$/i.exec(path);
  if (crl) {
    const ca = caByKeyId(config.cas, crl[1]!);
    return ca ? { kind: "crl", ca, pem: Boolean(crl[2]) } : { kind: "unknown-ca" };
  }
  const cert = /^\/ca\/([0-9a-f]{32})\.crt$/i.exec(path);
  if (cert) {
    const ca = caByKeyId(config.cas, cert[1]!);
    return ca ? { kind: "ca", ca } : { kind: "unknown-ca" };
  }
  return undefined;
}

export async function crlResponse(
  request: Request,
  url: URL,
  ca: IssuingCa,
  config: Config,
  ledger: CrlLedgerPort,
  runtime: Runtime,
  pemPath: boolean,
): Promise<Response> {
  let crl: CurrentCrl;
  try {
    crl = await currentCrl(ca, config.crlValiditySeconds, ledger, runtime);
  } catch (e) {
    if (e instanceof CrlUnavailableError) return text(503, "CRL temporarily unavailable");
    throw e;
  }
  const wantsPem = pemPath || url.searchParams.get("format") === "pem" || (request.headers.get("accept") ?? "").includes("application/x-pem-file");
  const maxAge = Math.max(0, Math.min(300, Math.floor((crl.nextUpdate - runtime.now().getTime()) / 1000)));
  const headers = {
    "cache-control": `public, max-age=${maxAge}`,
    "last-modified": new Date(crl.thisUpdate).toUTCString(),
    etag: `"crl-${crl.number}"`, // each CA has its own URL; the number is unique per CA
  };
  if (request.headers.get("if-none-match") === headers.etag) return new Response(null, { status: 304, headers });
  if (wantsPem) return new Response(toPem("X509 CRL", crl.der), { headers: { ...headers, "content-type": "application/x-pem-file" } });
  return new Response(crl.der, { headers: { ...headers, "content-type": "application/pkix-crl" } });
}

export function caCertificateResponse(ca: IssuingCa): Response {
  return new Response(ca.material.caCertDer, {
    headers: { "content-type": "application/pkix-cert", "cache-control": "public, max-age=3600" },
  });
}
