import { generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { IdentityError } from '../errors.ts';
import { jwkThumbprint } from './jwk-thumbprint.ts';

/** ES256 is the default; RS256 only for relying parties that cannot verify ES256; EdDSA is optional. */
export const SIGNING_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** A JWK as the provider and relying parties see it; private members only where noted. */
export interface SigningJwk extends JsonWebKey {
  kty: string;
  kid: string;
  alg: SigningAlg;
  use: 'sig';
}

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv']);

const generate = promisify(generateKeyPair);

/** The key type each algorithm needs; a stored key that does not match is refused. */
export function keyMatchesAlg(jwk: JsonWebKey, alg: SigningAlg): boolean {
  switch (alg) {
    case 'ES256':
      return jwk.kty === 'EC' && jwk.crv === 'P-256';
    case 'RS256':
      return jwk.kty === 'RSA' && Buffer.from(String(jwk.n), 'base64url').length * 8 >= 2048;
    case 'EdDSA':
      return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  }
}

export function isSigningAlg(value: unknown): value is SigningAlg {
  return (SIGNING_ALGS as readonly unknown[]).includes(value);
}

/**
 * A new key pair as private and public JWKs, kid = RFC 7638 thumbprint.
 * Generated off the event loop: RSA 3072 takes long enough to stall requests.
 */
export async function generateSigningKey(
  alg: SigningAlg,
): Promise<{ privateJwk: SigningJwk; publicJwk: SigningJwk }> {
  const pair = await generatePair(alg);
  const publicJwk = pair.publicKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(publicJwk);
  const meta = { kid, alg, use: 'sig' } as const;
  return {
    privateJwk: { ...pair.privateKey.export({ format: 'jwk' }), kty: String(publicJwk.kty), ...meta },
    publicJwk: { ...publicJwk, kty: String(publicJwk.kty), ...meta },
  };
}

/** The public half of a private JWK, with `kid`, `alg` and `use` kept. */
export function toPublicJwk(jwk: SigningJwk): SigningJwk {
  const pub: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(jwk)) {
    if (!PRIVATE_MEMBERS.has(name)) pub[name] = value;
  }
  return pub as SigningJwk;
}

function generatePair(alg: SigningAlg): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  switch (alg) {
    case 'ES256':
      return generate('ec', { namedCurve: 'P-256' });
    case 'RS256':
      return generate('rsa', { modulusLength: 3072, publicExponent: 0x10001 });
    case 'EdDSA':
      return generate('ed25519');
    default:
      throw new IdentityError('ERR_KEY_UNAVAILABLE', 'unsupported signing algorithm');
  }
}
