import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwkThumbprint } from '../src/keys/index.ts';

describe('JWK thumbprint', () => {
  // The value printed in RFC 7638 §3.1 (and computed by jose, oidc-provider and others).
  it('matches the RFC 7638 §3.1 example', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('agrees with jose for EC, RSA and OKP keys', async () => {
    const pairs = [
      generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
      generateKeyPairSync('ed25519'),
    ];
    for (const { publicKey } of pairs) {
      const jwk = publicKey.export({ format: 'jwk' });
      expect(jwkThumbprint(jwk)).toBe(
        await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0]),
      );
    }
  });

  it('ignores members outside the required set and their order', () => {
    const a = { kty: 'EC', crv: 'P-256', x: 'abc', y: 'def' };
    expect(jwkThumbprint({ y: 'def', x: 'abc', d: 'private', use: 'sig', crv: 'P-256', kty: 'EC' })).toBe(
      jwkThumbprint(a),
    );
  });

  it('refuses keys it cannot hash', () => {
    expect(() => jwkThumbprint({ kty: 'oct', k: 'secret' })).toThrow(/unsupported key type/);
    expect(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'abc' })).toThrow(/"y"/);
  });
});
