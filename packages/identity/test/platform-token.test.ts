import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { platformKeySet, verifyPlatformToken } from '../src/platform-token.ts';

const ISSUER = 'https://id.example';
const AUDIENCE = `${ISSUER}/api/v1`;

describe('verifying a platform access token', () => {
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  let keys: ReturnType<typeof platformKeySet>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    keys = platformKeySet({ keys: [jwk] });
    sign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
  });

  const verify = (token: string) => verifyPlatformToken(token, { keys, issuer: ISSUER, audience: AUDIENCE });

  it('returns the certificate thumbprint a bound token carries, and none for a bearer token', async () => {
    const thumbprint = 'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0';
    const bound = await verify(
      await sign({ client_id: 'og_a', scope: 'audit:read', cnf: { 'x5t#S256': thumbprint } }),
    );
    expect(bound).toMatchObject({
      clientId: 'og_a',
      scopes: ['audit:read'],
      certificateThumbprint: thumbprint,
    });
    const bearer = await verify(await sign({ client_id: 'og_a', scope: 'audit:read' }));
    expect(bearer.certificateThumbprint).toBeUndefined();
  });

  it('refuses a token bound to something it cannot check, rather than taking it for a bearer token', async () => {
    for (const cnf of [
      { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' },
      { 'x5t#S256': 'abc', jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' },
      { 'x5t#S256': 42 },
      { 'x5t#S256': '' },
      'x5t',
      null,
    ]) {
      await expect(verify(await sign({ client_id: 'og_a', cnf })), JSON.stringify(cnf)).rejects.toMatchObject(
        {
          code: 'ERR_INVALID_TOKEN',
        },
      );
    }
  });
});
