import { createSecretKey, randomBytes } from 'node:crypto';
import type { Keyring, KeyEncryptionKey } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { openField, readHeader, rewrapColumn } from '@onegate/privacy';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityError } from '../src/errors.ts';
import { identityEncryptedColumns } from '../src/index.ts';
import { seal } from '../src/keys/index.ts';
import { TotpFactors, base32Decode, totpAt, totpMigrations } from '../src/second-factors/index.ts';
import { newKek, startTestKeyring } from './support/keyring.ts';

const T0 = Date.UTC(2030, 0, 1);
const STEP = 30_000;
const LABEL = { account: 'zhang.san', issuer: 'OneGate 统一身份认证' };

async function expectIdentityError(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(IdentityError);
  await expect(promise).rejects.toMatchObject({ code });
}

describe.each(engines)('TOTP authenticators on %s', (engine) => {
  const masterKey = createSecretKey(randomBytes(32));
  const kek: KeyEncryptionKey = newKek();
  let db: TestDatabase;
  let store: Store;
  let keyring: Keyring;
  let factors: TotpFactors;
  const keyrings: Keyring[] = [];

  /** Another process on the same database, with the same KEK and master key. */
  async function elsewhereFactors(): Promise<TotpFactors> {
    const other = await db.open();
    const otherKeyring = await startTestKeyring(other, { kek });
    keyrings.push(otherKeyring);
    return new TotpFactors({ store: other, keyring: otherKeyring, masterKey });
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(totpMigrations);
    keyring = await startTestKeyring(store, { kek });
    keyrings.push(keyring);
    factors = new TotpFactors({ store, keyring, masterKey });
  });
  afterAll(async () => {
    for (const k of keyrings) await k.stop();
    await db.drop();
  });

  /** Enrols and activates `accountId` at T0; returns the secret, as the user's app holds it. */
  async function enrolled(accountId: string): Promise<Buffer> {
    const { secretBase32 } = await factors.begin(accountId, LABEL, T0);
    const secret = base32Decode(secretBase32);
    expect(await factors.activate(accountId, totpAt(secret, T0), T0)).toMatchObject({ ok: true });
    return secret;
  }

  it('starts an enrolment with a 160-bit secret, its otpauth URI and an SVG QR code', async () => {
    const enrolment = await factors.begin('account-begin', LABEL, T0);
    expect(base32Decode(enrolment.secretBase32)).toHaveLength(20);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secretBase32}&`);
    expect(enrolment.otpauthUri).toContain('otpauth://totp/OneGate%20%E7%BB%9F');
    expect(enrolment.qrSvg).toMatch(/^<svg[\s>]/);
    expect(enrolment.qrSvg).toContain('</svg>');
    expect(enrolment.qrSvg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(await factors.isActive('account-begin')).toBe(false);
  });

  it('keeps the secret sealed at rest, bound to its account', async () => {
    const { secretBase32 } = await factors.begin('account-sealed', LABEL, T0);
    const secret = base32Decode(secretBase32);
    const row = await store.one<Record<string, unknown>>(
      'SELECT * FROM identity_totp WHERE account_id = $1',
      ['account-sealed'],
    );
    const raw = JSON.stringify(row);
    for (const form of [
      secretBase32,
      secretBase32.toLowerCase(),
      secret.toString('hex'),
      secret.toString('base64'),
      secret.toString('base64url'),
    ]) {
      expect(raw).not.toContain(form);
    }
    expect(raw).not.toContain(secret.toString('latin1'));
    const sealed = row['sealed_secret'] as string;
    expect(sealed).toMatch(/^og1:a256gcm:identity\.totp\.secret:1:/);
    const place = { table: 'identity_totp', column: 'sealed_secret' };
    expect(openField(sealed, { ...place, row: 'account-sealed' }, keyring.resolve).equals(secret)).toBe(true);
    expect(() => openField(sealed, { ...place, row: 'someone-else' }, keyring.resolve)).toThrow(
      expect.objectContaining({ code: 'ERR_PRIVACY_CIPHERTEXT' }),
    );

    // Copied into another account's row, the sealed secret does not open.
    await enrolled('account-victim');
    await store.exec("UPDATE identity_totp SET sealed_secret = $1 WHERE account_id = 'account-victim'", [
      sealed,
    ]);
    await expectIdentityError(factors.verify('account-victim', totpAt(secret, T0), T0), 'ERR_SEALED_DATA');
  });

  it('activates with a correct first code only, then verifies sign-in codes', async () => {
    const { secretBase32 } = await factors.begin('account-activate', LABEL, T0);
    const secret = base32Decode(secretBase32);
    const right = totpAt(secret, T0);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(await factors.activate('account-activate', wrong, T0)).toEqual({ ok: false, reason: 'invalid' });
    expect(await factors.isActive('account-activate')).toBe(false);
    await expectIdentityError(factors.verify('account-activate', right, T0), 'ERR_TOTP_NOT_ENROLLED');

    expect(await factors.activate('account-activate', right, T0)).toEqual({ ok: true, step: T0 / STEP });
    expect(await factors.isActive('account-activate')).toBe(true);
    const row = await store.one<{ state: string; activated_at: unknown }>(
      "SELECT state, activated_at FROM identity_totp WHERE account_id = 'account-activate'",
    );
    expect(row.state).toBe('active');
    expect(Number(row.activated_at)).toBe(T0);

    // The activation code is spent; the next step's code signs in, a wrong one does not.
    expect(await factors.verify('account-activate', right, T0)).toEqual({ ok: false, reason: 'replayed' });
    const next = totpAt(secret, T0 + STEP);
    expect(await factors.verify('account-activate', wrong, T0 + STEP)).toMatchObject({ ok: false });
    expect(await factors.verify('account-activate', next, T0 + STEP)).toEqual({
      ok: true,
      step: T0 / STEP + 1,
    });
  });

  it('refuses a replayed code and an older code after a newer one, across restarts', async () => {
    const secret = await enrolled('account-replay');
    const now = T0 + 10 * STEP;
    const newer = totpAt(secret, now);
    const older = totpAt(secret, now - STEP);
    expect(await factors.verify('account-replay', newer, now)).toMatchObject({ ok: true });
    expect(await factors.verify('account-replay', newer, now)).toEqual({ ok: false, reason: 'replayed' });
    const elsewhere = await elsewhereFactors();
    expect(await elsewhere.verify('account-replay', newer, now + 1000)).toEqual({
      ok: false,
      reason: 'replayed',
    });
    expect(await elsewhere.verify('account-replay', older, now)).toEqual({ ok: false, reason: 'replayed' });
  });

  it('lets exactly one of two connections use the same code at once', async () => {
    const secret = await enrolled('account-race');
    const first = await elsewhereFactors();
    const second = await elsewhereFactors();
    for (let round = 1; round <= 5; round++) {
      const now = T0 + round * 3 * STEP;
      const code = totpAt(secret, now);
      const results = await Promise.all([
        first.verify('account-race', code, now),
        second.verify('account-race', code, now),
        first.verify('account-race', code, now),
        second.verify('account-race', code, now),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'replayed')).toHaveLength(3);
    }
  });

  it('replaces a pending enrolment, whose old secret then no longer activates', async () => {
    const old = base32Decode((await factors.begin('account-replace', LABEL, T0)).secretBase32);
    const fresh = base32Decode((await factors.begin('account-replace', LABEL, T0 + 1000)).secretBase32);
    expect(fresh.equals(old)).toBe(false);
    expect(await factors.activate('account-replace', totpAt(old, T0), T0)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(await factors.activate('account-replace', totpAt(fresh, T0), T0)).toMatchObject({ ok: true });
  });

  it('refuses to start over or activate again while active, until removed', async () => {
    const secret = await enrolled('account-active');
    await expectIdentityError(factors.begin('account-active', LABEL, T0), 'ERR_TOTP_ALREADY_ACTIVE');
    await expectIdentityError(
      factors.activate('account-active', totpAt(secret, T0 + STEP), T0 + STEP),
      'ERR_TOTP_ALREADY_ACTIVE',
    );
    // The refused begin left the active secret as it was.
    expect(await factors.verify('account-active', totpAt(secret, T0 + STEP), T0 + STEP)).toMatchObject({
      ok: true,
    });

    expect(await factors.remove('account-active')).toBe(true);
    expect(await factors.remove('account-active')).toBe(false);
    expect(await factors.isActive('account-active')).toBe(false);
    await expectIdentityError(
      factors.verify('account-active', totpAt(secret, T0), T0),
      'ERR_TOTP_NOT_ENROLLED',
    );
    await enrolled('account-active');
  });

  it('keeps working after its key is rotated and the column rewrapped', async () => {
    const secret = await enrolled('account-rewrap');
    const column = identityEncryptedColumns.find((c) => c.keyId === 'identity.totp.secret')!;
    const { primaryVersion } = await keyring.rotate(column.keyId, 'test');
    const result = await rewrapColumn({ store, keyring, ...column });
    // Only the secret an earlier test moved to another account's row will not open.
    expect(result).toMatchObject({ completed: true, unreadableIds: ['account-victim'] });
    const row = await store.one<{ sealed_secret: string }>(
      'SELECT sealed_secret FROM identity_totp WHERE account_id = $1',
      ['account-rewrap'],
    );
    expect(readHeader(row.sealed_secret).version).toBe(primaryVersion);
    expect(await factors.verify('account-rewrap', totpAt(secret, T0 + STEP), T0 + STEP)).toMatchObject({
      ok: true,
    });
  });

  it('refuses to activate what was never started', async () => {
    await expectIdentityError(factors.activate('account-none', '123456', T0), 'ERR_TOTP_NOT_ENROLLED');
    expect(await factors.isActive('account-none')).toBe(false);
  });

  describe('with secrets sealed under the master key before the keyring', () => {
    /** An authenticator as an earlier OneGate stored it: a `v1.` sealed box, AAD `totp:<account>`. */
    async function legacy(accountId: string, secret: Buffer, state: 'pending' | 'active'): Promise<string> {
      const sealed = seal(masterKey, secret, `totp:${accountId}`);
      await store.exec(
        `INSERT INTO identity_totp (account_id, sealed_secret, state, last_used_step, created_at, activated_at)
         VALUES ($1, $2, $3, NULL, $4, $5)`,
        [accountId, sealed, state, T0, state === 'active' ? T0 : null],
      );
      return sealed;
    }

    const stored = async (accountId: string) =>
      (
        await store.one<{ sealed_secret: string }>(
          'SELECT sealed_secret FROM identity_totp WHERE account_id = $1',
          [accountId],
        )
      ).sealed_secret;

    it('still verifies and activates them, then reseals them under the keyring', async () => {
      const active = randomBytes(20);
      const pending = randomBytes(20);
      await legacy('legacy-active', active, 'active');
      await legacy('legacy-pending', pending, 'pending');
      expect(await factors.verify('legacy-active', totpAt(active, T0 + STEP), T0 + STEP)).toMatchObject({
        ok: true,
      });

      const errors: unknown[] = [];
      expect(await factors.resealLegacy((err) => errors.push(err))).toBe(2);
      expect(errors).toEqual([]);
      for (const accountId of ['legacy-active', 'legacy-pending']) {
        expect(await stored(accountId)).toMatch(/^og1:a256gcm:identity\.totp\.secret:/);
      }
      expect(
        await factors.verify('legacy-active', totpAt(active, T0 + 2 * STEP), T0 + 2 * STEP),
      ).toMatchObject({ ok: true });
      // The replay window survived the reseal.
      expect(await factors.verify('legacy-active', totpAt(active, T0 + STEP), T0 + 2 * STEP)).toEqual({
        ok: false,
        reason: 'replayed',
      });
      expect(await factors.activate('legacy-pending', totpAt(pending, T0), T0)).toMatchObject({ ok: true });
      expect(await factors.resealLegacy(() => undefined)).toBe(0);
    });

    it('leaves a sealed box that will not open as it is, and reports it', async () => {
      const moved = seal(masterKey, randomBytes(20), 'totp:someone-else');
      await store.exec(
        `INSERT INTO identity_totp (account_id, sealed_secret, state, last_used_step, created_at, activated_at)
         VALUES ('legacy-moved', $1, 'active', NULL, $2, $2)`,
        [moved, T0],
      );
      const errors: unknown[] = [];
      expect(await factors.resealLegacy((err) => errors.push(err))).toBe(0);
      expect(errors).toEqual([expect.objectContaining({ code: 'ERR_SEALED_DATA' })]);
      expect(await stored('legacy-moved')).toBe(moved);
      await expectIdentityError(factors.verify('legacy-moved', '123456', T0), 'ERR_SEALED_DATA');
      await store.exec("DELETE FROM identity_totp WHERE account_id = 'legacy-moved'");
    });
  });
});
