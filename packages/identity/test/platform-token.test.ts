import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { platformKeySet, verifyPlatformToken } from '../src/platform-token.ts';

const ISSUER = 'https://id.example';
const AUDIENCE = `${ISSUER}/api/v1`;

describe('verifying a platform access token', () => {
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  let keys: ReturnType<typeof platformKeySet>;
  let jwk: JWK;
  let publicPem: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    publicPem = await exportSPKI(pair.publicKey);
    keys = platformKeySet({ keys: [jwk] });
    sign = (claims) => token(claims).sign(privateKey);
  });

  /** A well-formed platform token but for what a test changes. */
  function token(claims: Record<string, unknown>, header: Record<string, unknown> = {}): SignJWT {
    return new SignJWT({ client_id: 'og_a', scope: 'audit:read', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', ...header })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m');
  }

  const refused = { code: 'ERR_INVALID_TOKEN' };

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

  it('accepts the token as OneGate signs it', async () => {
    expect(await verify(await sign({}))).toMatchObject({ clientId: 'og_a', scopes: ['audit:read'] });
  });

  it('refuses algorithm confusion: unsigned, HMAC keyed with the public key, or another curve', async () => {
    const claims = { client_id: 'og_a', scope: 'audit:read', iss: ISSUER, aud: AUDIENCE };
    const unsigned = new UnsecuredJWT(claims).setExpirationTime('5m').encode();
    await expect(verify(unsigned)).rejects.toMatchObject(refused);
    // `alg: none` with the right typ and kid, and an empty signature.
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: 'k1' }))}.${unsigned.split('.')[1]}.`;
    await expect(verify(none)).rejects.toMatchObject(refused);
    // HS256 keyed with what is public: the PEM, and the JWK's coordinates.
    for (const secret of [publicPem, JSON.stringify(jwk), `${jwk.x}${jwk.y}`]) {
      const hmac = await token({}, { alg: 'HS256' }).sign(new TextEncoder().encode(secret));
      await expect(verify(hmac), secret.slice(0, 20)).rejects.toMatchObject(refused);
    }
    const other = await generateKeyPair('ES384');
    await expect(verify(await token({}, { alg: 'ES384' }).sign(other.privateKey))).rejects.toMatchObject(
      refused,
    );
    // Signed by a key of the same kind that is not ours, under our kid.
    const stranger = await generateKeyPair('ES256');
    await expect(verify(await token({}).sign(stranger.privateKey))).rejects.toMatchObject(refused);
  });

  it('refuses an ID token, a logout token, another audience or issuer, and an expired token', async () => {
    for (const typ of ['JWT', 'logout+jwt', undefined]) {
      const wrongType = await token({}, typ === undefined ? { typ: undefined } : { typ }).sign(privateKey);
      await expect(verify(wrongType), String(typ)).rejects.toMatchObject(refused);
    }
    await expect(verify(await token({}).setAudience('og_a').sign(privateKey))).rejects.toMatchObject(refused);
    await expect(
      verify(await token({}).setIssuer('https://evil.example').sign(privateKey)),
    ).rejects.toMatchObject(refused);
    const expired = token({})
      .setIssuedAt(Math.floor(Date.now() / 1000) - 700)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 100);
    await expect(verify(await expired.sign(privateKey))).rejects.toMatchObject(refused);
    await expect(verify(await token({ client_id: undefined }).sign(privateKey))).rejects.toMatchObject(
      refused,
    );
  });
});
