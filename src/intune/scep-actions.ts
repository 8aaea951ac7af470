// The three ScepActions operations of the Intune SCEP validation service: request bodies exactly as
// the reference library sends them (IntuneScepValidator.cs, IntuneScepServiceClient.java) and the
// mapping of every answer to an IntuneResult. Rejections arrive as HTTP 200 with a non-Success code.
import { isRecord, parseJson, type HttpOutcome } from "./http-call";
import { encodeBase64 } from "../asn1/base64";
import { bytesToHex } from "../util/bytes";
import type { IntuneResult } from "./types";

export type ScepAction = "validateRequest" | "successNotification" | "failureNotification";
export const API_VERSION = "2018-02-20";
const MAX_ERROR_DESCRIPTION = 255;

export interface SuccessInput {
  transactionId: string;
  csrDer: Uint8Array;
  certDer: Uint8Array;
  /** Certificate serial number as hex (any case, ":" or spaces allowed); sent as uppercase hex. */
  serialHex: string;
  notAfter: Date;
  /** Issuer DN of the certificate, e.g. "CN=Example Issuing CA,O=Example". */
  issuerName: string;
  /** Defaults to issuerName. Intune hands it back in its revocation feed. */
  caConfiguration?: string;
  /** Defaults to "EdgeSCEP". */
  certificateAuthority?: string;
}

export interface FailureInput {
  transactionId: string;
  csrDer: Uint8Array;
  /** A 32-bit HRESULT, signed (-2147418113) or unsigned (0x8000FFFF); sent as a signed JSON number. */
  hResult: number;
  /** Truncated to 255 characters. */
  errorDescription: string;
}

const DEFAULT_CERTIFICATE_AUTHORITY = "EdgeSCEP";
export const E_UNEXPECTED = -2147418113; // 0x8000FFFF

export class ScepActionInputError extends Error {}

export function validateBody(transactionId: string, csrDer: Uint8Array, callerInfo: string) {
  requireCommon(transactionId, csrDer);
  return { request: { transactionId, certificateRequest: encodeBase64(csrDer), callerInfo } };
}

export async function successBody(input: SuccessInput, callerInfo: string) {
  requireCommon(input.transactionId, input.csrDer);
  if (input.certDer.length === 0) throw new ScepActionInputError("certDer is empty");
  const serial = input.serialHex.replace(/[\s:]/g, "").toUpperCase();
  if (!/^[0-9A-F]+$/.test(serial)) throw new ScepActionInputError("serialHex is not hex");
  if (Number.isNaN(input.notAfter.getTime())) throw new ScepActionInputError("notAfter is not a valid date");
  if (!input.issuerName) throw new ScepActionInputError("issuerName is empty");
  const thumbprint = bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-1", input.certDer)), true);
  return {
    notification: {
      transactionId: input.transactionId,
      certificateRequest: encodeBase64(input.csrDer),
      certificateThumbprint: thumbprint,
      certificateSerialNumber: serial,
      certificateExpirationDateUtc: input.notAfter.toISOString(),
      issuingCertificateAuthority: input.issuerName,
      callerInfo,
      caConfiguration: input.caConfiguration ?? input.issuerName,
      certificateAuthority: input.certificateAuthority ?? DEFAULT_CERTIFICATE_AUTHORITY,
    },
  };
}

export function failureBody(input: FailureInput, callerInfo: string) {
  requireCommon(input.transactionId, input.csrDer);
  if (!Number.isInteger(input.hResult) || input.hResult < -0x80000000 || input.hResult > 0xffffffff) {
    throw new ScepActionInputError("hResult is not a 32-bit integer");
  }
  return {
    notification: {
      transactionId: input.transactionId,
      certificateRequest: encodeBase64(input.csrDer),
      hResult: input.hResult | 0,
      errorDescription: truncate(input.errorDescription || "certificate issuance failed", MAX_ERROR_DESCRIPTION),
      callerInfo,
    },
  };
}

/** The IntuneResult of a ScepActions answer; rejections are HTTP 200 with a non-Success code. */
export function interpret(outcome: HttpOutcome, clientRequestId: string): IntuneResult {
  const fail = (code: string, description?: string, httpStatus?: number): IntuneResult => ({
    ok: false,
    code,
    clientRequestId,
    ...(description !== undefined ? { description } : {}),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
  });
  if (outcome.kind === "timeout") return fail("Timeout", "no answer from Intune in time");
  if (outcome.kind === "network") return fail("NetworkError", outcome.message);

  const { status } = outcome;
  const json = parseJson(outcome.body);
  if (status < 200 || status > 299) return fail(`HttpError${status}`, odataError(json), status);
  if (json === undefined) return fail("NonJsonResponse", undefined, status);
  if (!isRecord(json) || typeof json.code !== "string" || json.code === "") return fail("MissingCode", undefined, status);
  const description = typeof json.errorDescription === "string" && json.errorDescription !== "" ? json.errorDescription : undefined;
  if (json.code.toLowerCase() === "success") return { ok: true, code: json.code, clientRequestId, ...(description ? { description } : {}) };
  return fail(json.code, description, status);
}

export function odataError(json: unknown): string | undefined {
  if (!isRecord(json) || !isRecord(json.error)) return undefined;
  const { code, message } = json.error;
  const text = [code, message].filter((v) => typeof v === "string" && v !== "").join(": ");
  return text ? truncate(text, MAX_ERROR_DESCRIPTION) : undefined;
}

function requireCommon(transactionId: string, csrDer: Uint8Array): void {
  if (!transactionId) throw new ScepActionInputError("transactionId is empty");
  if (csrDer.length === 0) throw new ScepActionInputError("csrDer is empty");
}

/** At most `max` UTF-16 units, never ending in half a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}
