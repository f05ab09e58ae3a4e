import { createHash, type JsonWebKey } from 'node:crypto';
import { IdentityError } from '../errors.ts';

/** The members RFC 7638 §3.2 hashes for each key type, in lexicographic order. */
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/** RFC 7638 JWK thumbprint (SHA-256, base64url): the same public key always gets the same kid. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = typeof jwk.kty === 'string' ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (!members) throw new IdentityError('ERR_KEY_UNAVAILABLE', 'unsupported key type for a thumbprint');
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '') {
      throw new IdentityError('ERR_KEY_UNAVAILABLE', `the key has no "${name}" member`);
    }
    canonical[name] = value;
  }
  // JSON.stringify keeps insertion order and adds no whitespace: exactly the RFC's form.
  return createHash('sha256').update(JSON.stringify(canonical), 'utf8').digest('base64url');
}
