import { randomBytes } from 'node:crypto';
import { ServerError } from '../errors.ts';

/**
 * 16 random bytes as a positive serial number: the top bit is cleared (positive) and the next one set,
 * so the DER INTEGER is always 16 bytes with no leading zero (126 bits of entropy; CA/B asks for 64).
 */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}

/**
 * The one spelling of a serial number used for comparisons: upper-case hex without leading zeros.
 * Accepts `X509Certificate.serialNumber` (which keeps a leading zero nibble, e.g. `0ABC`) and
 * openssl's colon-separated form.
 */
export function normalizeSerial(serial: string): string {
  const hex = serial.replaceAll(':', '').toUpperCase();
  if (!/^[0-9A-F]{1,40}$/.test(hex)) {
    throw new ServerError('ERR_CERT_INVALID', 'a serial number must be hexadecimal (at most 20 bytes)');
  }
  return hex.replace(/^0+(?=.)/, '');
}

export function serialBytes(serial: string): Buffer {
  const hex = normalizeSerial(serial);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}
