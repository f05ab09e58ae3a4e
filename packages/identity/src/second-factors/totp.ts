import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { IdentityError } from '../errors.ts';

/**
 * RFC 6238 TOTP over RFC 4226 HOTP. HMAC-SHA1 is the default because it is
 * what authenticator apps implement (many ignore `algorithm=` in the URI):
 * a documented exception to ASVS's algorithm list. SHA-1's collision
 * weakness does not touch HMAC, which is what the codes rest on.
 */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  /** 6 to 8; 6 is what authenticator apps show by default. */
  digits?: number;
  /** The time step in seconds, from T0 = 0 (the Unix epoch). */
  periodSeconds?: number;
  algorithm?: TotpAlgorithm;
}

export interface VerifyTotpOptions extends TotpOptions {
  /** Epoch milliseconds. */
  nowMs: number;
  /** Steps accepted either side of the current one, for clock drift and typing time. */
  window?: number;
  /** The step of the last code accepted: that step and older ones are refused as replays. */
  lastUsedStep?: number | undefined;
}

export type TotpVerification = { ok: true; step: number } | { ok: false; reason: 'invalid' | 'replayed' };

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_SECRET_BYTES = 20;
/** RFC 4226 R6: the shared secret is at least 128 bits. */
const MIN_SECRET_BYTES = 16;
const MAX_WINDOW = 10;

/** RFC 4226 HOTP: HMAC of the 8-byte big-endian counter, dynamically truncated to `digits` decimal digits. */
export function hotp(
  secret: Buffer,
  counter: bigint | number,
  digits = TOTP_DIGITS,
  algorithm: TotpAlgorithm = 'sha1',
): string {
  checkSecret(secret);
  checkDigits(digits);
  checkAlgorithm(algorithm);
  if (typeof counter === 'number' && !Number.isSafeInteger(counter)) {
    throw new IdentityError('ERR_CONFIG_INVALID', 'an HOTP counter is an unsigned 64-bit integer');
  }
  const value = BigInt(counter);
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new IdentityError('ERR_CONFIG_INVALID', 'an HOTP counter is an unsigned 64-bit integer');
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(value);
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fff_ffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step that `timeMs` falls in. */
export function totpStep(timeMs: number, periodSeconds = TOTP_PERIOD_SECONDS): number {
  checkPeriod(periodSeconds);
  if (!Number.isFinite(timeMs) || timeMs < 0) {
    throw new IdentityError('ERR_CONFIG_INVALID', 'a TOTP time is epoch milliseconds, not negative');
  }
  return Math.floor(timeMs / 1000 / periodSeconds);
}

/** The code an authenticator app shows at `timeMs`. */
export function totpAt(secret: Buffer, timeMs: number, options: TotpOptions = {}): string {
  return hotp(
    secret,
    totpStep(timeMs, options.periodSeconds),
    options.digits ?? TOTP_DIGITS,
    options.algorithm ?? 'sha1',
  );
}

/**
 * Checks a typed code against the steps within `window` of now, every one of
 * them in constant time, so timing tells nothing about which step or digit
 * was close. A match at or before `lastUsedStep` is a replay: once a code is
 * used, neither it nor any older code works again.
 */
export function verifyTotp(secret: Buffer, code: string, options: VerifyTotpOptions): TotpVerification {
  const digits = options.digits ?? TOTP_DIGITS;
  const window = options.window ?? 1;
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new IdentityError('ERR_CONFIG_INVALID', `a TOTP window is a whole number from 0 to ${MAX_WINDOW}`);
  }
  const current = totpStep(options.nowMs, options.periodSeconds);
  // Refusing a malformed code early depends on the input only, never on the secret, so it tells nothing.
  const typed = normalizeCode(code);
  if (!new RegExp(`^[0-9]{${digits}}$`).test(typed)) return { ok: false, reason: 'invalid' };
  const given = Buffer.from(typed, 'ascii');

  let fresh: number | undefined;
  let replayed = false;
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(secret, step, digits, options.algorithm ?? 'sha1'), 'ascii');
    if (!timingSafeEqual(expected, given)) continue;
    // A code that also matches a newer step (a one-in-a-million coincidence) is taken as the newer one.
    if (options.lastUsedStep !== undefined && step <= options.lastUsedStep) replayed = true;
    else fresh = step;
  }
  if (fresh !== undefined) return { ok: true, step: fresh };
  return { ok: false, reason: replayed ? 'replayed' : 'invalid' };
}

/** 160 random bits, the size RFC 4226 recommends and HMAC-SHA1's output size. */
export function generateTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding: what authenticator apps expect in `secret=`. */
export function base32Encode(data: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * RFC 4648 base32, upper or lower case, padded or not. Anything else (a
 * character outside the alphabet, an impossible length, stray bits after the
 * last byte) is refused rather than guessed at: a secret read wrongly would
 * give codes that never match.
 */
export function base32Decode(text: string): Buffer {
  const invalid = () => new IdentityError('ERR_TOTP_SECRET_INVALID', 'the secret is not valid base32');
  const unpadded = text.replace(/=+$/, '');
  // Checked before upper-casing, which would turn 'ı' into 'I'.
  if (!/^[A-Za-z2-7]*$/.test(unpadded)) throw invalid();
  const body = unpadded.toUpperCase();
  // Lengths 1, 3 and 6 (mod 8) are never produced by encoding whole bytes; padding fills the last group of 8.
  if ([1, 3, 6].includes(body.length % 8)) throw invalid();
  if (text.length !== body.length && text.length !== Math.ceil(body.length / 8) * 8) throw invalid();
  const out = Buffer.alloc(Math.floor((body.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of body) {
    const digit = BASE32_ALPHABET.indexOf(char);
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) throw invalid();
  return out;
}

export interface OtpauthUriInput {
  secret: Buffer;
  /** What the app lists under the issuer: the username, say. */
  account: string;
  /** The service's name as users know it. */
  issuer: string;
}

/**
 * The Key URI that authenticator apps read from a QR code. Every part is
 * percent-encoded as UTF-8 (a space is `%20`, never `+`, which some apps show
 * literally), so an issuer such as "OneGate 统一身份认证" arrives intact. The
 * issuer goes both in the label and in `issuer=`, which newer apps prefer.
 */
export function otpauthUri(input: OtpauthUriInput): string {
  const issuer = input.issuer.normalize('NFC').trim();
  const account = input.account.normalize('NFC').trim();
  if (!issuer || !account) {
    throw new IdentityError(
      'ERR_CONFIG_INVALID',
      'an authenticator entry needs an issuer and an account name',
    );
  }
  // Apps split the label at its first colon, encoded or not.
  if (issuer.includes(':') || account.includes(':')) {
    throw new IdentityError(
      'ERR_CONFIG_INVALID',
      'an authenticator issuer or account name may not contain ":"',
    );
  }
  checkSecret(input.secret);
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${base32Encode(input.secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

/** Full-width digits (typed with a Chinese input method) become ASCII; spaces some apps show are dropped. */
function normalizeCode(code: string): string {
  return code.normalize('NFKC').replace(/\s+/g, '');
}

function checkSecret(secret: Buffer): void {
  if (!Buffer.isBuffer(secret) || secret.length < MIN_SECRET_BYTES) {
    throw new IdentityError('ERR_TOTP_SECRET_INVALID', `a TOTP secret is at least ${MIN_SECRET_BYTES} bytes`);
  }
}

function checkDigits(digits: number): void {
  // Beyond 8 digits the 31-bit truncated value no longer spreads evenly over the codes.
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new IdentityError('ERR_CONFIG_INVALID', 'a one-time code has 6 to 8 digits');
  }
}

function checkPeriod(periodSeconds: number): void {
  if (!Number.isInteger(periodSeconds) || periodSeconds < 1) {
    throw new IdentityError('ERR_CONFIG_INVALID', 'a TOTP period is a whole number of seconds');
  }
}

function checkAlgorithm(algorithm: string): void {
  if (algorithm !== 'sha1' && algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new IdentityError('ERR_CONFIG_INVALID', 'a TOTP algorithm is sha1, sha256 or sha512');
  }
}
