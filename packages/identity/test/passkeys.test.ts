import { randomUUID } from 'node:crypto';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityError } from '../src/errors.ts';
import { Passkeys, passkeyMigrations } from '../src/second-factors/index.ts';
import { FLAG_UP, SoftAuthenticator, type CeremonyOverrides } from './support/soft-authenticator.ts';

const RP_ID = 'id.gov.example';
const ORIGIN = 'https://id.gov.example';
const T0 = Date.UTC(2030, 0, 1);

async function expectIdentityError(promise: Promise<unknown>, code: string, message?: string): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(IdentityError);
  await expect(promise).rejects.toMatchObject(message === undefined ? { code } : { code, message });
}

const expectInvalid = (promise: Promise<unknown>) =>
  expectIdentityError(promise, 'ERR_PASSKEY_INVALID', 'the passkey could not be verified');

describe.each(engines)('passkeys on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let passkeys: Passkeys;
  let now = T0;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(passkeyMigrations);
    passkeys = new Passkeys({ store, rpId: RP_ID, rpName: 'OneGate', origin: ORIGIN, now: () => now });
  });
  afterAll(() => db.drop());

  function account(username = 'zhang.san') {
    return { id: randomUUID(), username, name: '张三' };
  }

  /** Registers a fresh soft authenticator for a fresh account. */
  async function registered(options: { synced?: boolean; counter?: number } = {}) {
    const acct = account();
    const authenticator = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, synced: options.synced });
    const key = randomUUID();
    const creation = await passkeys.registrationOptions(acct, key);
    const result = await passkeys.register(
      acct.id,
      key,
      authenticator.register(creation, { counter: options.counter ?? 0 }),
      '  My phone ',
    );
    return { acct, authenticator, result };
  }

  async function signIn(authenticator: SoftAuthenticator, overrides: CeremonyOverrides = {}) {
    const key = randomUUID();
    const request = await passkeys.authenticationOptions(key);
    return passkeys.authenticate(key, authenticator.authenticate(request, overrides));
  }

  it('offers registration options for a discoverable, user-verified ES256 credential', async () => {
    const acct = account();
    const options = await passkeys.registrationOptions(acct, randomUUID());
    expect(options.rp).toEqual({ id: RP_ID, name: 'OneGate' });
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).toBe(acct.id);
    expect(options.user).toMatchObject({ name: 'zhang.san', displayName: '张三' });
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    });
    expect(options.attestation).toBe('none');
    expect(options.pubKeyCredParams[0]).toEqual({ type: 'public-key', alg: -7 });
    expect(options.pubKeyCredParams.map((p) => p.alg)).toContain(-257);
    expect(options.excludeCredentials).toEqual([]);
  });

  it('registers a passkey, then signs in with it username-less as a hardware key', async () => {
    const { acct, authenticator, result } = await registered();
    expect(result).toEqual({
      credentialId: authenticator.id,
      name: 'My phone',
      deviceType: 'singleDevice',
      backedUp: false,
    });
    now += 1000;
    const request = await passkeys.authenticationOptions('login-1');
    expect(request.allowCredentials).toEqual([]);
    expect(request.userVerification).toBe('required');
    expect(request.rpId).toBe(RP_ID);
    const signedIn = await passkeys.authenticate(
      'login-1',
      authenticator.authenticate(request, { counter: 1 }),
    );
    expect(signedIn).toEqual({ accountId: acct.id, credentialId: authenticator.id, amr: ['hwk', 'user'] });
    const [listed] = await passkeys.list(acct.id);
    expect(listed).toMatchObject({ credentialId: authenticator.id, lastUsedAt: now, createdAt: now - 1000 });
  });

  it('says swk for a synced (backup-eligible, backed-up) passkey', async () => {
    const { authenticator, result } = await registered({ synced: true });
    expect(result).toMatchObject({ deviceType: 'multiDevice', backedUp: true });
    expect((await signIn(authenticator)).amr).toEqual(['swk', 'user']);
  });

  it('defaults a blank name and refuses an overlong one without using up the challenge', async () => {
    const acct = account();
    const authenticator = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const options = await passkeys.registrationOptions(acct, 'name-key');
    const response = authenticator.register(options);
    await expectIdentityError(
      passkeys.register(acct.id, 'name-key', response, 'x'.repeat(65)),
      'ERR_PASSKEY_INVALID',
    );
    const result = await passkeys.register(acct.id, 'name-key', response, '   ');
    expect(result.name).toBe('Passkey');
  });

  it('refuses a registration from another origin', async () => {
    const acct = account();
    const options = await passkeys.registrationOptions(acct, 'origin-key');
    const response = new SoftAuthenticator({ rpId: RP_ID, origin: 'https://id.gov.example.evil' }).register(
      options,
    );
    await expectInvalid(passkeys.register(acct.id, 'origin-key', response, 'x'));
    expect(await passkeys.count(acct.id)).toBe(0);
  });

  it('refuses a registration for another RP ID', async () => {
    const acct = account();
    const options = await passkeys.registrationOptions(acct, 'rpid-key');
    const response = new SoftAuthenticator({ rpId: 'evil.example', origin: ORIGIN }).register(options);
    await expectInvalid(passkeys.register(acct.id, 'rpid-key', response, 'x'));
  });

  it('refuses a registration without user verification', async () => {
    const acct = account();
    const options = await passkeys.registrationOptions(acct, 'uv-key');
    const response = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN }).register(options, {
      flags: FLAG_UP,
    });
    await expectInvalid(passkeys.register(acct.id, 'uv-key', response, 'x'));
  });

  it('uses a registration challenge once, for its own account only', async () => {
    const acct = account();
    const authenticator = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const options = await passkeys.registrationOptions(acct, 'replay-key');
    const response = authenticator.register(options);
    await expectInvalid(passkeys.register(randomUUID(), 'replay-key', response, 'x'));
    // The wrong account's attempt used up the challenge too.
    await expectInvalid(passkeys.register(acct.id, 'replay-key', response, 'x'));

    const again = await passkeys.registrationOptions(acct, 'replay-key');
    const fresh = authenticator.register(again);
    await passkeys.register(acct.id, 'replay-key', fresh, 'x');
    await expectInvalid(passkeys.register(acct.id, 'replay-key', fresh, 'x'));
    expect(await passkeys.count(acct.id)).toBe(1);
  });

  it('refuses a registration challenge after five minutes, and one replaced by a newer one', async () => {
    const acct = account();
    const authenticator = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const old = await passkeys.registrationOptions(acct, 'stale-key');
    await passkeys.registrationOptions(acct, 'stale-key');
    await expectInvalid(passkeys.register(acct.id, 'stale-key', authenticator.register(old), 'x'));

    const options = await passkeys.registrationOptions(acct, 'stale-key');
    now += 5 * 60_000;
    await expectInvalid(passkeys.register(acct.id, 'stale-key', authenticator.register(options), 'x'));
  });

  it('does not accept an authentication challenge for registration, or the reverse', async () => {
    const { acct, authenticator } = await registered();
    const request = await passkeys.authenticationOptions('mixed-key');
    const other = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const creation = {
      ...(await passkeys.registrationOptions(acct, 'unused')),
      challenge: request.challenge,
    };
    await expectInvalid(passkeys.register(acct.id, 'mixed-key', other.register(creation), 'x'));

    const creationOptions = await passkeys.registrationOptions(acct, 'mixed-key-2');
    const assertion = authenticator.authenticate({ ...request, challenge: creationOptions.challenge });
    await expectInvalid(passkeys.authenticate('mixed-key-2', assertion));
  });

  it('lists existing passkeys in excludeCredentials and refuses registering one twice', async () => {
    const { acct, authenticator } = await registered();
    const options = await passkeys.registrationOptions(acct, 'exclude-key');
    expect(options.excludeCredentials).toEqual([
      { id: authenticator.id, type: 'public-key', transports: ['internal', 'hybrid'] },
    ]);
    await expectInvalid(passkeys.register(acct.id, 'exclude-key', authenticator.register(options), 'x'));
    // Nor for another account: a credential id belongs to one account.
    const other = account();
    const otherOptions = await passkeys.registrationOptions(other, 'exclude-key-2');
    await expectInvalid(
      passkeys.register(other.id, 'exclude-key-2', authenticator.register(otherOptions), 'x'),
    );
    expect(await passkeys.count(acct.id)).toBe(1);
    expect(await passkeys.count(other.id)).toBe(0);
  });

  it('refuses a sign-in from another origin or for another RP ID', async () => {
    const { authenticator } = await registered();
    await expectInvalid(signIn(authenticator, { origin: 'https://evil.example', counter: 1 }));
    await expectInvalid(signIn(authenticator, { rpId: 'evil.example', counter: 1 }));
    await expectInvalid(signIn(authenticator, { type: 'webauthn.create', counter: 1 }));
    await expect(signIn(authenticator, { counter: 1 })).resolves.toMatchObject({ amr: ['hwk', 'user'] });
  });

  it('refuses a sign-in without user verification', async () => {
    const { authenticator } = await registered();
    await expectInvalid(signIn(authenticator, { flags: FLAG_UP, counter: 1 }));
  });

  it('refuses an unknown credential, and a user handle naming someone else', async () => {
    await registered();
    const stranger = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    stranger.userHandle = Buffer.from(randomUUID()).toString('base64url');
    await expectInvalid(signIn(stranger));

    const { authenticator } = await registered();
    authenticator.userHandle = Buffer.from(randomUUID()).toString('base64url');
    await expectInvalid(signIn(authenticator, { counter: 1 }));
  });

  it('refuses malformed responses with the same error', async () => {
    const acct = account();
    for (const malformed of [undefined, null, {}, { id: 'x', response: null }, 'text']) {
      await passkeys.registrationOptions(acct, 'malformed-key');
      await expectInvalid(passkeys.register(acct.id, 'malformed-key', malformed as never, 'x'));
      await passkeys.authenticationOptions('malformed-key');
      await expectInvalid(passkeys.authenticate('malformed-key', malformed as never));
    }
  });

  it('refuses a signature by another key for a registered credential id', async () => {
    const { authenticator } = await registered();
    const impostor = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    Object.defineProperty(impostor, 'credentialId', { value: authenticator.credentialId });
    impostor.userHandle = authenticator.userHandle;
    await expectInvalid(signIn(impostor, { counter: 1 }));
  });

  it('uses an authentication challenge once', async () => {
    const { authenticator } = await registered();
    const request = await passkeys.authenticationOptions('once-key');
    const first = authenticator.authenticate(request, { counter: 1 });
    await passkeys.authenticate('once-key', first);
    await expectInvalid(passkeys.authenticate('once-key', first));
    const second = authenticator.authenticate(request, { counter: 2 });
    await expectInvalid(passkeys.authenticate('once-key', second));
  });

  it('lets exactly one of two processes racing with one challenge through', async () => {
    const { authenticator } = await registered();
    const elsewhere = new Passkeys({
      store: await db.open(),
      rpId: RP_ID,
      rpName: 'OneGate',
      origin: ORIGIN,
      now: () => now,
    });
    const request = await passkeys.authenticationOptions('race-key');
    const results = await Promise.allSettled([
      passkeys.authenticate('race-key', authenticator.authenticate(request, { counter: 1 })),
      elsewhere.authenticate('race-key', authenticator.authenticate(request, { counter: 2 })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses a counter that goes back, keeping the highest seen', async () => {
    const { acct, authenticator } = await registered();
    await signIn(authenticator, { counter: 5 });
    await expectInvalid(signIn(authenticator, { counter: 3 }));
    await expectInvalid(signIn(authenticator, { counter: 5 }));
    const row = await store.one<{ counter: number | bigint }>(
      'SELECT counter FROM identity_passkeys WHERE credential_id = $1',
      [authenticator.id],
    );
    expect(Number(row.counter)).toBe(5);
    await expect(signIn(authenticator, { counter: 6 })).resolves.toMatchObject({ accountId: acct.id });
  });

  it('allows an authenticator that never counts (always 0)', async () => {
    const { acct, authenticator } = await registered();
    await expect(signIn(authenticator)).resolves.toMatchObject({ accountId: acct.id });
    await expect(signIn(authenticator)).resolves.toMatchObject({ accountId: acct.id });
  });

  it('refuses a credential whose backup eligibility changed', async () => {
    const { authenticator } = await registered({ synced: true });
    await expectInvalid(signIn(authenticator, { flags: FLAG_UP | 0x04, counter: 1 }));
  });

  it('lists, renames and removes passkeys for their owner only', async () => {
    const { acct, authenticator } = await registered();
    const other = account();
    await expectIdentityError(
      passkeys.rename(other.id, authenticator.id, 'Mine now'),
      'ERR_PASSKEY_NOT_FOUND',
    );
    await expectIdentityError(passkeys.remove(other.id, authenticator.id), 'ERR_PASSKEY_NOT_FOUND');
    await expectIdentityError(passkeys.rename(acct.id, authenticator.id, '  '), 'ERR_PASSKEY_INVALID');

    await passkeys.rename(acct.id, authenticator.id, ' 办公室的 YubiKey ');
    expect(await passkeys.list(acct.id)).toEqual([
      {
        credentialId: authenticator.id,
        name: '办公室的 YubiKey',
        deviceType: 'singleDevice',
        backedUp: false,
        createdAt: now,
        lastUsedAt: null,
      },
    ]);
    expect(await passkeys.list(other.id)).toEqual([]);
    expect(await passkeys.count(acct.id)).toBe(1);

    await passkeys.remove(acct.id, authenticator.id);
    expect(await passkeys.count(acct.id)).toBe(0);
    await expectInvalid(signIn(authenticator, { counter: 1 }));
  });
});
