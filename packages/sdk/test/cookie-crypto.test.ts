import { describe, expect, it } from 'vitest';
import { CookieCrypto } from '../src/session/cookie-crypto.ts';

const OLD = 'the previous cookie secret, 32+ characters';
const NEW = 'the current cookie secret, also 32+ characters';

describe('cookie encryption', () => {
  it('opens what it sealed, in a versioned format that shows nothing of the value', () => {
    const crypto = new CookieCrypto([NEW]);
    const sealed = crypto.seal('session', { name: 'Li Wei' });
    expect(sealed).toMatch(/^v1\.[\w-]{8}\.[\w-]{16}\.[\w-]+$/);
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('Li Wei');
    expect(crypto.open('session', sealed)).toEqual({ name: 'Li Wei' });
  });

  it('opens cookies sealed under an older secret still in the list, and seals under the first', () => {
    const before = new CookieCrypto([OLD]).seal('session', 1);
    const rotated = new CookieCrypto([NEW, OLD]);
    expect(rotated.open('session', before)).toBe(1);
    expect(new CookieCrypto([OLD]).open('session', rotated.seal('session', 2))).toBeUndefined();
    expect(new CookieCrypto([NEW]).open('session', before)).toBeUndefined();
  });

  it('refuses a value sealed for another purpose (a login cookie is no session cookie)', () => {
    const crypto = new CookieCrypto([NEW]);
    expect(crypto.open('session', crypto.seal('login', { sub: 'x' }))).toBeUndefined();
  });

  it('refuses tampering and garbage without throwing', () => {
    const crypto = new CookieCrypto([NEW]);
    const sealed = crypto.seal('session', { sub: 'a' });
    const body = Buffer.from(sealed.split('.')[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    const parts = sealed.split('.');
    const tampered = [...parts.slice(0, 3), body.toString('base64url')].join('.');
    for (const value of [tampered, 'v2' + sealed.slice(2), 'v1.x.y.z', '', 'v1...', sealed.slice(0, -30)]) {
      expect(crypto.open('session', value)).toBeUndefined();
    }
  });
});
