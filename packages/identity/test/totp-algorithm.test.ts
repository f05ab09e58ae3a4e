import { describe, expect, it } from 'vitest';
import { IdentityError } from '../src/errors.ts';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  otpauthUri,
  totpAt,
  verifyTotp,
} from '../src/second-factors/index.ts';

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
const T0 = Date.UTC(2030, 0, 1);
const STEP = 30_000;

function expectIdentityError(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(IdentityError);
  expect(caught).toMatchObject({ code });
}

describe('HOTP and TOTP known answers', () => {
  it('gives the RFC 4226 Appendix D values for counters 0 to 9', () => {
    const codes = Array.from({ length: 10 }, (_, counter) => hotp(RFC_SECRET, counter));
    expect(codes).toEqual([
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ]);
    expect(hotp(RFC_SECRET, 9n)).toBe('520489');
  });

  it('gives the RFC 6238 Appendix B SHA-1 values (8 digits)', () => {
    const vectors: Array<[number, string]> = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) {
      expect(totpAt(RFC_SECRET, seconds * 1000, { digits: 8 })).toBe(code);
    }
  });

  it('refuses short secrets, odd digit counts and bad counters', () => {
    expectIdentityError(() => hotp(Buffer.alloc(10), 0), 'ERR_TOTP_SECRET_INVALID');
    expectIdentityError(() => hotp(RFC_SECRET, 0, 9), 'ERR_CONFIG_INVALID');
    expectIdentityError(() => hotp(RFC_SECRET, -1), 'ERR_CONFIG_INVALID');
    expectIdentityError(() => hotp(RFC_SECRET, 1.5), 'ERR_CONFIG_INVALID');
  });
});

describe('verifyTotp', () => {
  const secret = generateTotpSecret();
  const step = T0 / STEP;
  const codeAt = (offsetSteps: number) => totpAt(secret, T0 + offsetSteps * STEP);

  it('makes 20-byte secrets', () => {
    expect(secret).toHaveLength(20);
    expect(generateTotpSecret().equals(secret)).toBe(false);
  });

  it('accepts the current step and one either side, and says which step matched', () => {
    expect(verifyTotp(secret, codeAt(0), { nowMs: T0 + 29_999 })).toEqual({ ok: true, step });
    expect(verifyTotp(secret, codeAt(-1), { nowMs: T0 })).toEqual({ ok: true, step: step - 1 });
    expect(verifyTotp(secret, codeAt(1), { nowMs: T0 })).toEqual({ ok: true, step: step + 1 });
  });

  it('refuses codes two steps away', () => {
    expect(verifyTotp(secret, codeAt(-2), { nowMs: T0 })).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyTotp(secret, codeAt(2), { nowMs: T0 })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses malformed and wrong codes as invalid', () => {
    const right = codeAt(0);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    for (const code of [wrong, '', '12345', '1234567', 'abcdef', `${right}0`, `-${right.slice(1)}`]) {
      expect(verifyTotp(secret, code, { nowMs: T0 })).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('accepts a code typed with a space or in full-width digits', () => {
    const code = codeAt(0);
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
    expect(verifyTotp(secret, spaced, { nowMs: T0 }).ok).toBe(true);
    expect(verifyTotp(secret, fullWidth, { nowMs: T0 }).ok).toBe(true);
  });

  it('refuses the same code twice, and an older code after a newer one', () => {
    const first = verifyTotp(secret, codeAt(0), { nowMs: T0 });
    expect(first).toEqual({ ok: true, step });
    expect(verifyTotp(secret, codeAt(0), { nowMs: T0, lastUsedStep: step })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    expect(verifyTotp(secret, codeAt(-1), { nowMs: T0, lastUsedStep: step })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    // A newer code is still fine, and a wrong one is invalid rather than replayed.
    expect(verifyTotp(secret, codeAt(1), { nowMs: T0, lastUsedStep: step })).toEqual({
      ok: true,
      step: step + 1,
    });
    expect(verifyTotp(secret, codeAt(-2), { nowMs: T0, lastUsedStep: step })).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('honours a narrower window and refuses an unreasonable one', () => {
    expect(verifyTotp(secret, codeAt(1), { nowMs: T0, window: 0 }).ok).toBe(false);
    expect(verifyTotp(secret, codeAt(0), { nowMs: T0, window: 0 }).ok).toBe(true);
    expectIdentityError(() => verifyTotp(secret, codeAt(0), { nowMs: T0, window: -1 }), 'ERR_CONFIG_INVALID');
    expectIdentityError(
      () => verifyTotp(secret, codeAt(0), { nowMs: T0, window: 100 }),
      'ERR_CONFIG_INVALID',
    );
  });
});

describe('base32', () => {
  it('matches the RFC 4648 test vectors, without padding', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded).toString()).toBe(plain);
    }
    expect(base32Encode(RFC_SECRET)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('round-trips random bytes of every length', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = Buffer.from(Array.from({ length }, () => Math.floor(Math.random() * 256)));
      expect(base32Decode(base32Encode(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('reads lower case and RFC padding', () => {
    expect(base32Decode('mzxw6ytboi').toString()).toBe('foobar');
    expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(base32Decode('MY======').toString()).toBe('f');
  });

  it('refuses invalid characters, lengths, padding and stray bits', () => {
    for (const text of [
      'MZXW6YTB0I',
      'MZXW 6YTB',
      'MZXW-6YTB',
      'MZXW1',
      'MZXW6YT=B',
      'M',
      'MZX',
      'MZXW6Y',
      'MY=',
      'MZ',
      'ıMY',
    ])
      expectIdentityError(() => base32Decode(text), 'ERR_TOTP_SECRET_INVALID');
  });
});

describe('otpauthUri', () => {
  it('names the issuer and account, and carries the parameters authenticator apps read', () => {
    const uri = otpauthUri({ secret: RFC_SECRET, account: 'zhang.san', issuer: 'OneGate' });
    expect(uri).toBe(
      'otpauth://totp/OneGate:zhang.san?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=OneGate&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('percent-encodes a Chinese issuer as UTF-8, so it survives the round trip', () => {
    const issuer = 'OneGate 统一身份认证';
    const uri = otpauthUri({ secret: RFC_SECRET, account: 'li.si@example.gov.cn', issuer });
    expect(uri).toMatch(/^otpauth:\/\/totp\/[A-Za-z0-9%._~!*'()-]+:[A-Za-z0-9%._~!*'()-]+\?/);
    expect(uri).not.toContain(' ');
    expect(uri).not.toContain('+');
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.host).toBe('totp');
    const [labelIssuer, account] = parsed.pathname.slice(1).split(':').map(decodeURIComponent);
    expect(labelIssuer).toBe(issuer);
    expect(account).toBe('li.si@example.gov.cn');
    expect(parsed.searchParams.get('issuer')).toBe(issuer);
    expect(parsed.searchParams.get('secret')).toBe(base32Encode(RFC_SECRET));
    expect(parsed.searchParams.get('algorithm')).toBe('SHA1');
    expect(parsed.searchParams.get('digits')).toBe('6');
    expect(parsed.searchParams.get('period')).toBe('30');
    expect(uri).toContain('issuer=OneGate%20%E7%BB%9F%E4%B8%80%E8%BA%AB%E4%BB%BD%E8%AE%A4%E8%AF%81&');
  });

  it('refuses a colon in the issuer or account, and empty names', () => {
    expectIdentityError(
      () => otpauthUri({ secret: RFC_SECRET, account: 'a:b', issuer: 'OneGate' }),
      'ERR_CONFIG_INVALID',
    );
    expectIdentityError(
      () => otpauthUri({ secret: RFC_SECRET, account: 'a', issuer: 'One:Gate' }),
      'ERR_CONFIG_INVALID',
    );
    expectIdentityError(
      () => otpauthUri({ secret: RFC_SECRET, account: ' ', issuer: 'OneGate' }),
      'ERR_CONFIG_INVALID',
    );
  });
});
