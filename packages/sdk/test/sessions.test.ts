import { describe, expect, it } from 'vitest';
import { OneGateError, MemorySessionStore, type AppSession } from '../src/index.ts';
import { resolveOptions } from '../src/login/options.ts';
import { CookieCrypto } from '../src/session/cookie-crypto.ts';
import { Revocations } from '../src/session/revocations.ts';
import { Sessions } from '../src/session/sessions.ts';

const SECRET = 'a cookie secret of at least 32 characters';

function session(extra: Partial<AppSession> = {}): AppSession {
  return { sub: 's1', sid: 'sid1', claims: {}, idToken: 'h.p.s', expiresAt: Date.now() + 60_000, ...extra };
}

function sessions(store?: MemorySessionStore): Sessions {
  return new Sessions({
    crypto: new CookieCrypto([SECRET]),
    store,
    revocations: new Revocations({ keepMs: 60_000 }),
    cookieName: 'app_session',
  });
}

describe('sessions', () => {
  it('keeps a session in the cookie until it expires or is logged out by sid', async () => {
    const s = sessions();
    const cookie = await s.create(session());
    expect(await s.load(cookie)).toMatchObject({ sub: 's1' });
    expect(await s.load(cookie, Date.now() + 61_000)).toBeUndefined();
    await s.logout({ sid: 'sid1' }, Date.now());
    expect(await s.load(cookie)).toBeUndefined();
  });

  it('refuses with ERR_SESSION_TOO_LARGE a session that does not fit a 4 KB cookie', async () => {
    const error = await sessions()
      .create(session({ claims: { picture: 'x'.repeat(4000) } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OneGateError);
    expect((error as OneGateError).code).toBe('ERR_SESSION_TOO_LARGE');
    expect((error as OneGateError).message).toContain('sessionStore');
  });

  it('with a store, keeps any size there and only an id in the cookie; destroyWhere ends it', async () => {
    const store = new MemorySessionStore();
    const s = sessions(store);
    const cookie = await s.create(session({ claims: { picture: 'x'.repeat(10_000) } }));
    expect(cookie.length).toBeLessThan(200);
    expect(await s.load(cookie)).toMatchObject({ sub: 's1' });
    await s.logout({ sub: 's1', sid: 'other' }, Date.now());
    expect(await s.load(cookie)).toBeDefined();
    await s.logout({ sub: 's1', sid: 'sid1' }, Date.now());
    expect(await s.load(cookie)).toBeUndefined();
  });
});

const APP_HASH = 'f31d196e';

describe('login options', () => {
  const base = {
    issuer: 'https://id.gov.example',
    clientId: 'og_app',
    redirectUri: 'https://tax.gov.example/auth/callback',
    cookieSecret: SECRET,
  };

  it('uses __Host- cookies over https and plain names over http', () => {
    // sha256('og_app') starts f31d196e… (computed with openssl dgst, not with this code).
    expect(resolveOptions(base).sessionCookie).toBe(`__Host-onegate_session_${APP_HASH}`);
    expect(
      resolveOptions({ ...base, redirectUri: 'http://localhost:4001/auth/callback', allowInsecureHttp: true })
        .sessionCookie,
    ).toBe(`onegate_session_${APP_HASH}`);
  });

  it('gives two apps on one host different cookies unless told otherwise', () => {
    const other = resolveOptions({ ...base, clientId: 'og_other' }).sessionCookie;
    expect(other).not.toBe(resolveOptions(base).sessionCookie);
    expect(resolveOptions({ ...base, cookieName: 'tax_session' }).sessionCookie).toBe('__Host-tax_session');
  });

  it.each([
    [{ cookieSecret: 'short' }, 'cookieSecret'],
    [{ cookieSecret: [] }, 'cookieSecret'],
    [{ issuer: 'http://id.gov.example' }, 'issuer'],
    [{ redirectUri: 'http://tax.gov.example/cb' }, 'redirectUri'],
    [{ cookieName: 'a b' }, 'cookieName'],
  ])('refuses %o with ERR_LOGIN_CONFIG naming the option', (bad, name) => {
    expect(() => resolveOptions({ ...base, ...bad })).toThrow(
      expect.objectContaining({ code: 'ERR_LOGIN_CONFIG', message: expect.stringContaining(name) as string }),
    );
  });
});
