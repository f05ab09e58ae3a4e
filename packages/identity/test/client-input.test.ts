import { describe, expect, it } from 'vitest';
import { validateClientInput, type ClientInput } from '../src/clients/client-input.ts';
import { DEFAULT_APP_SCOPES } from '../src/clients/scopes.ts';

const APP = { name: 'Pension portal', redirectUris: ['https://pension.example.gov.cn/callback'] };

/** The error code validation throws, or 'accepted'. */
function outcome(input: ClientInput, allowLoopbackHttp = false): string {
  try {
    validateClientInput(input, allowLoopbackHttp);
    return 'accepted';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('client registration input', () => {
  describe('when deciding between a sign-in app and a service', () => {
    it('makes a client with no redirect URI and only platform scopes a service, keeping its scopes', () => {
      const client = validateClientInput(
        { name: 'Benefit batch', scopes: ['audit:write', 'authz:check', 'audit:write'] },
        false,
      );
      expect(client.kind).toBe('service');
      expect(client.scopes).toEqual(['audit:write', 'authz:check']);
      expect(client.redirectUris).toEqual([]);
      expect(client.public).toBe(false);
    });

    it('makes a client with redirect URIs and OIDC scopes a sign-in app', () => {
      const client = validateClientInput({ ...APP, scopes: ['openid', 'profile'] }, false);
      expect(client.kind).toBe('app');
      expect(client.scopes).toEqual(['openid', 'profile']);
      expect(client.redirectUris).toEqual(APP.redirectUris);
    });

    it('refuses platform and OIDC scopes mixed, with or without redirect URIs', () => {
      expect(outcome({ ...APP, scopes: ['openid', 'audit:write'] })).toBe('ERR_CLIENT_INVALID');
      expect(outcome({ name: 'Mixed', scopes: ['openid', 'audit:write'] })).toBe('ERR_CLIENT_INVALID');
    });

    it('refuses platform scopes for a client that has redirect URIs', () => {
      expect(outcome({ ...APP, scopes: ['audit:read'] })).toBe('ERR_CLIENT_INVALID');
    });

    it('refuses scopes it does not know', () => {
      expect(outcome({ ...APP, scopes: ['openid', 'everything'] })).toBe('ERR_CLIENT_INVALID');
    });

    it('refuses a sign-in app without a redirect URI', () => {
      expect(outcome({ name: 'No callback' })).toBe('ERR_CLIENT_INVALID');
      expect(outcome({ name: 'No callback', redirectUris: [] })).toBe('ERR_CLIENT_INVALID');
      expect(outcome({ name: 'No callback', scopes: ['openid', 'profile'] })).toBe('ERR_CLIENT_INVALID');
    });

    it('refuses the platform-wide admin scopes to a client registered for a department (ASVS 8.4.1)', () => {
      // The admin APIs act on every department: one department's client must not change another's.
      for (const scopes of [['authz:admin'], ['admin'], ['authz:check', 'authz:admin']]) {
        expect(outcome({ name: 'Health admin', scopes, department: 'health' }), scopes.join()).toBe(
          'ERR_CLIENT_INVALID',
        );
        expect(outcome({ name: 'Security office', scopes }), scopes.join()).toBe('accepted');
      }
      expect(
        outcome({ name: 'Health checks', scopes: ['authz:check', 'audit:write'], department: 'health' }),
      ).toBe('accepted');
    });

    it('refuses a public service client, and accepts a public sign-in app', () => {
      expect(outcome({ name: 'Batch', scopes: ['audit:write'], public: true })).toBe('ERR_CLIENT_INVALID');
      expect(validateClientInput({ ...APP, public: true }, false).public).toBe(true);
    });
  });

  describe('when giving an app its scopes', () => {
    it('adds openid to the scopes an app asks for', () => {
      expect(validateClientInput({ ...APP, scopes: ['profile', 'email'] }, false).scopes).toEqual([
        'openid',
        'profile',
        'email',
      ]);
    });

    it('gives an app that names no scopes the default set, openid included', () => {
      const { scopes } = validateClientInput(APP, false);
      expect(scopes).toEqual(DEFAULT_APP_SCOPES);
      expect(scopes).toContain('openid');
    });
  });

  describe('when checking redirect, post-logout and back-channel URIs', () => {
    it('requires https', () => {
      expect(outcome({ ...APP, redirectUris: ['http://pension.example.gov.cn/callback'] })).toBe(
        'ERR_CLIENT_INVALID',
      );
      expect(outcome({ ...APP, redirectUris: ['http://pension.example.gov.cn/callback'] }, true)).toBe(
        'ERR_CLIENT_INVALID',
      );
      expect(outcome({ ...APP, postLogoutRedirectUris: ['http://pension.example.gov.cn/bye'] })).toBe(
        'ERR_CLIENT_INVALID',
      );
      expect(outcome({ ...APP, backchannelLogoutUri: 'http://pension.example.gov.cn/logout' })).toBe(
        'ERR_CLIENT_INVALID',
      );
    });

    it('refuses other schemes and relative URIs', () => {
      expect(outcome({ ...APP, redirectUris: ['ftp://pension.example.gov.cn/callback'] }, true)).toBe(
        'ERR_CLIENT_INVALID',
      );
      expect(outcome({ ...APP, redirectUris: ['javascript:alert(1)'] }, true)).toBe('ERR_CLIENT_INVALID');
      expect(outcome({ ...APP, redirectUris: ['/callback'] })).toBe('ERR_CLIENT_INVALID');
    });

    it('accepts http for localhost, 127.0.0.1 and [::1] only when loopback http is allowed', () => {
      for (const uri of ['http://localhost:3000/cb', 'http://127.0.0.1:8080/cb', 'http://[::1]:5173/cb']) {
        expect(outcome({ ...APP, redirectUris: [uri] }, true)).toBe('accepted');
        expect(outcome({ ...APP, redirectUris: [uri] }, false)).toBe('ERR_CLIENT_INVALID');
      }
    });

    it('does not take a host that only starts with localhost for loopback', () => {
      expect(outcome({ ...APP, redirectUris: ['http://localhost.example.com/cb'] }, true)).toBe(
        'ERR_CLIENT_INVALID',
      );
    });

    it('refuses a fragment', () => {
      expect(outcome({ ...APP, redirectUris: ['https://pension.example.gov.cn/cb#done'] })).toBe(
        'ERR_CLIENT_INVALID',
      );
      expect(outcome({ ...APP, postLogoutRedirectUris: ['https://pension.example.gov.cn/bye#x'] })).toBe(
        'ERR_CLIENT_INVALID',
      );
      expect(outcome({ ...APP, backchannelLogoutUri: 'https://pension.example.gov.cn/logout#x' })).toBe(
        'ERR_CLIENT_INVALID',
      );
    });

    // oidc-provider refuses any redirect URI whose text contains '#' (client_schema.js:
    // `parsed.href.includes('#')`), so a client registered with one would be unusable.
    it('refuses an empty fragment (a trailing #) too', () => {
      expect(outcome({ ...APP, redirectUris: ['https://pension.example.gov.cn/cb#'] })).toBe(
        'ERR_CLIENT_INVALID',
      );
    });

    it('refuses credentials in a URI', () => {
      expect(outcome({ ...APP, redirectUris: ['https://user:secret@pension.example.gov.cn/cb'] })).toBe(
        'ERR_CLIENT_INVALID',
      );
      expect(outcome({ ...APP, redirectUris: ['https://user@pension.example.gov.cn/cb'] })).toBe(
        'ERR_CLIENT_INVALID',
      );
      expect(outcome({ ...APP, backchannelLogoutUri: 'https://user:pw@pension.example.gov.cn/logout' })).toBe(
        'ERR_CLIENT_INVALID',
      );
    });

    it('keeps each URI exactly as given, not as a URL parser would rewrite it', () => {
      const redirect = 'https://Pension.Example.gov.cn:443/cb/?b=2&a=1';
      const postLogout = 'https://pension.example.gov.cn/./bye';
      const backchannel = 'https://PENSION.example.gov.cn/logout';
      const client = validateClientInput(
        {
          ...APP,
          redirectUris: [redirect],
          postLogoutRedirectUris: [postLogout],
          backchannelLogoutUri: backchannel,
        },
        false,
      );
      expect(client.redirectUris).toEqual([redirect]);
      expect(client.postLogoutRedirectUris).toEqual([postLogout]);
      expect(client.backchannelLogoutUri).toBe(backchannel);
    });
  });

  describe('when checking the department', () => {
    it('accepts a short lower-case id, trimmed', () => {
      expect(validateClientInput({ ...APP, department: 'social-security' }, false).department).toBe(
        'social-security',
      );
      expect(validateClientInput({ ...APP, department: ' tax2 ' }, false).department).toBe('tax2');
      expect(validateClientInput(APP, false).department).toBeUndefined();
    });

    it('refuses upper case, spaces, a leading dash, other characters and more than 64 characters', () => {
      for (const department of [
        'Social-Security',
        'social security',
        '-tax',
        'tax_office',
        '',
        'a'.repeat(65),
      ]) {
        expect(outcome({ ...APP, department })).toBe('ERR_CLIENT_INVALID');
      }
      expect(outcome({ ...APP, department: 'a'.repeat(64) })).toBe('accepted');
    });
  });

  describe('when checking the name and flags', () => {
    it('trims the name and refuses an empty or over-long one', () => {
      expect(validateClientInput({ ...APP, name: '  Pension portal  ' }, false).name).toBe('Pension portal');
      expect(outcome({ ...APP, name: '   ' })).toBe('ERR_CLIENT_INVALID');
      expect(outcome({ ...APP, name: 'x'.repeat(101) })).toBe('ERR_CLIENT_INVALID');
    });

    it('makes apps third-party, pairwise and ES256 unless marked otherwise', () => {
      const plain = validateClientInput(APP, false);
      expect([plain.firstParty, plain.publicSubject, plain.legacyRs256, plain.public]).toEqual([
        false,
        false,
        false,
        false,
      ]);
      const marked = validateClientInput(
        { ...APP, firstParty: true, publicSubject: true, legacyRs256: true },
        false,
      );
      expect([marked.firstParty, marked.publicSubject, marked.legacyRs256]).toEqual([true, true, true]);
    });
  });
});
