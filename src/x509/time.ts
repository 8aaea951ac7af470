// Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050; always Zulu, whole
// seconds (§4.1.2.5.1/§4.1.2.5.2 forbid fractional seconds when writing).
import { content, DerError, TAG, tlv, type Tlv } from "../asn1/der";
import { utf8 } from "../util/bytes";

const GENERALIZED_FROM = Date.UTC(2050, 0, 1);

export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function timeDer(date: Date): Uint8Array {
  const iso = wholeSeconds(date).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ""); // YYYYMMDDHHMMSS
  if (date.getTime() >= GENERALIZED_FROM) return tlv(TAG.GENERALIZED_TIME, utf8(`${digits}Z`));
  return tlv(TAG.UTC_TIME, utf8(`${digits.slice(2)}Z`));
}

/**
 * UTCTime (YYMMDDHHMM[SS]Z) or GeneralizedTime (YYYYMMDDHHMM[SS][.f]Z); a date that does not exist
 * (month 13, 31 November, hour 24) is refused rather than rolled over. DerError("<what>: …").
 */
/** Times are ASCII (X.680 §46, §47); anything else fails the pattern below. One decoder per isolate. */
const decoder = new TextDecoder();

export function parseTime(der: Uint8Array, t: Tlv, what: string): Date {
  if (t.tag !== TAG.UTC_TIME && t.tag !== TAG.GENERALIZED_TIME) throw new DerError(`${what}: validity time is not a Time`);
  const text = decoder.decode(content(der, t));
  const m =
    t.tag === TAG.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(text);
  if (!m) throw new DerError(`${what}: unreadable time`);
  let year = Number(m[1]);
  if (t.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  const [month, day, hour, minute, second] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const exact =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  if (!exact) throw new DerError(`${what}: time out of range`);
  return date;
}
