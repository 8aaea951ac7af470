// Strict shape checks of the ScepActions JSON bodies (section 3 of the contract): exact keys,
// JSON types, standard base64, uppercase hex, ISO 8601 UTC dates. Answers a reason or undefined.

const STANDARD_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?Z$/;

type Rule = (value: unknown) => string | undefined;

const nonEmptyString: Rule = (v) => (typeof v === "string" && v !== "" ? undefined : "must be a non-empty string");
const base64: Rule = (v) => (typeof v === "string" && v !== "" && STANDARD_B64.test(v) ? undefined : "must be standard base64 without line breaks");
const upperHex40: Rule = (v) => (typeof v === "string" && /^[0-9A-F]{40}$/.test(v) ? undefined : "must be 40 uppercase hex digits");
const upperHex: Rule = (v) => (typeof v === "string" && /^[0-9A-F]+$/.test(v) ? undefined : "must be uppercase hex");
const isoUtc: Rule = (v) => (typeof v === "string" && ISO_UTC.test(v) && !Number.isNaN(Date.parse(v)) ? undefined : "must be an ISO 8601 UTC date");
const hResult: Rule = (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff ? undefined : "must be a signed 32-bit integer (JSON number)";
const description: Rule = (v) => (typeof v === "string" && v !== "" && v.length <= 255 ? undefined : "must be a string of 1..255 characters");

const SHAPES: Record<string, { wrapper: string; fields: Record<string, Rule> }> = {
  validateRequest: {
    wrapper: "request",
    fields: { transactionId: nonEmptyString, certificateRequest: base64, callerInfo: nonEmptyString },
  },
  successNotification: {
    wrapper: "notification",
    fields: {
      transactionId: nonEmptyString,
      certificateRequest: base64,
      certificateThumbprint: upperHex40,
      certificateSerialNumber: upperHex,
      certificateExpirationDateUtc: isoUtc,
      issuingCertificateAuthority: nonEmptyString,
      callerInfo: nonEmptyString,
      caConfiguration: nonEmptyString,
      certificateAuthority: nonEmptyString,
    },
  },
  failureNotification: {
    wrapper: "notification",
    fields: { transactionId: nonEmptyString, certificateRequest: base64, hResult, errorDescription: description, callerInfo: nonEmptyString },
  },
};

export function wrapperOf(action: string): string {
  return SHAPES[action]!.wrapper;
}

/** `strict`: exact key sets and formats; lenient: required fields present with the right JSON types. */
export function checkBody(action: string, body: unknown, strict: boolean): string | undefined {
  const shape = SHAPES[action]!;
  if (!isRecord(body)) return "body must be a JSON object";
  const outerKeys = Object.keys(body);
  if (strict ? outerKeys.length !== 1 || outerKeys[0] !== shape.wrapper : !(shape.wrapper in body)) {
    return `body must be {"${shape.wrapper}":{…}}`;
  }
  const inner = body[shape.wrapper];
  if (!isRecord(inner)) return `${shape.wrapper} must be an object`;
  for (const [name, rule] of Object.entries(shape.fields)) {
    if (!(name in inner)) return `${shape.wrapper}.${name} is missing`;
    const problem = strict ? rule(inner[name]) : lenient(name, inner[name]);
    if (problem) return `${shape.wrapper}.${name} ${problem}`;
  }
  if (strict) {
    const extra = Object.keys(inner).filter((k) => !(k in shape.fields));
    if (extra.length) return `${shape.wrapper} has unexpected keys: ${extra.join(", ")}`;
  }
  return undefined;
}

function lenient(name: string, value: unknown): string | undefined {
  if (name === "hResult") return typeof value === "number" ? undefined : "must be a number";
  return typeof value === "string" ? undefined : "must be a string";
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function decodeBase64(text: string): Uint8Array | undefined {
  try {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}
