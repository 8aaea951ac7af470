// Certificate serial numbers (RFC 5280 §4.1.2.2; CA/Browser Forum BR §7.1: at least 64 bits of
// CSPRNG output). Uniqueness is decided by the ledger Durable Object, not here.
import { bytesToHex } from "../util/bytes";

const SERIAL_LENGTH = 16;

/**
 * 16 random bytes read as a positive DER INTEGER. The top bit is cleared so the value is positive
 * without a 0x00 pad byte, and a zero first byte is replaced so the INTEGER is exactly 16 bytes and
 * minimally encoded (X.690 §8.3.2: no leading 0x00 unless needed for the sign). That leaves over
 * 126 bits of entropy.
 */
export function randomSerial(randomBytes: (n: number) => Uint8Array): Uint8Array {
  const source = randomBytes(SERIAL_LENGTH);
  if (source.length !== SERIAL_LENGTH) throw new Error(`randomBytes returned ${source.length} bytes`);
  const serial = Uint8Array.from(source);
  serial[0] = serial[0]! & 0x7f;
  if (serial[0] === 0) serial[0] = 0x01;
  return serial;
}

/** Uppercase hex without separators, as the ledger and admin API store serials. */
export function serialToHex(serial: Uint8Array): string {
  return bytesToHex(serial, true);
}
