// The refusal of a name or extension a requester sent. Its message is safe to send to the client
// (values are clipped) and becomes failInfoText; the strict DER and string readers (src/asn1/)
// throw DerError, which the name code re-throws as NameError with the same text.
import { DerError } from "../asn1/der";

export class NameError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NameError";
  }
}

/** Runs `fn`; a DerError from the strict readers leaves as a NameError with the same message. */
export function asNameError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DerError) throw new NameError(e.message, { cause: e });
    throw e;
  }
}

/** A value quoted for an error message: at most `max` characters, control characters shown as '?'. */
export function clip(value: string, max = 48): string {
  const chars = Array.from(value.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?"));
  return JSON.stringify(chars.length > max ? `${chars.slice(0, max).join("")}…` : chars.join(""));
}
