import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityError } from '../src/errors.ts';
import { RecoveryCodes, recoveryCodeMigrations } from '../src/second-factors/index.ts';

const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}$/;

describe.each(engines)('recovery codes on %s', (engine) => {
  const pepper = createSecretKey(randomBytes(32));
  let db: TestDatabase;
  let store: Store;
  let recovery: RecoveryCodes;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(recoveryCodeMigrations);
    recovery = new RecoveryCodes({ store, pepper });
  });
  afterAll(() => db.drop());

  it('makes 10 distinct codes of 24 Crockford base32 characters (120 bits: a keyed hash may store them, ASVS 6.5.2) in groups of 4', async () => {
    const codes = await recovery.regenerate('account-format');
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(FORMAT);
    expect(await recovery.remaining('account-format')).toBe(10);
  });

  it('stores only HMACs, never the codes', async () => {
    const codes = await recovery.regenerate('account-stored');
    const rows = await store.query<Record<string, unknown>>(
      'SELECT * FROM identity_recovery_codes WHERE account_id = $1',
      ['account-stored'],
    );
    expect(rows).toHaveLength(10);
    const raw = JSON.stringify(rows);
    for (const code of codes) {
      expect(raw).not.toContain(code);
      expect(raw).not.toContain(code.replaceAll('-', ''));
    }
    for (const row of rows) expect(row['code_hash']).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('still accepts, once, a 12-character code made before codes grew to 24', async () => {
    const legacy = '7K3Q9XMD2PFA';
    const hash = createHmac('sha256', pepper)
      .update(`recovery-code\0account-legacy\0${legacy}`)
      .digest('base64url');
    await store.exec(
      'INSERT INTO identity_recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)',
      ['account-legacy', hash, Date.now()],
    );
    expect(await recovery.use('account-legacy', '7k3q-9xmd-2pfa')).toBe(true);
    expect(await recovery.use('account-legacy', '7k3q-9xmd-2pfa')).toBe(false);
  });

  it('accepts each code once', async () => {
    const codes = await recovery.regenerate('account-once');
    for (const [i, code] of codes.entries()) {
      expect(await recovery.use('account-once', code)).toBe(true);
      expect(await recovery.use('account-once', code)).toBe(false);
      expect(await recovery.remaining('account-once')).toBe(9 - i);
    }
  });

  it('invalidates every earlier code on regenerate', async () => {
    const old = await recovery.regenerate('account-regen');
    expect(await recovery.use('account-regen', old[0]!)).toBe(true);
    const fresh = await recovery.regenerate('account-regen');
    expect(fresh.some((code) => old.includes(code))).toBe(false);
    expect(await recovery.remaining('account-regen')).toBe(10);
    for (const code of old) expect(await recovery.use('account-regen', code)).toBe(false);
    expect(await recovery.use('account-regen', fresh[0]!)).toBe(true);
  });

  it('ignores case, spaces and dashes, reads full-width input and look-alike letters', async () => {
    const codes = await recovery.regenerate('account-typed');
    const variants = [
      codes[0]!.toLowerCase(),
      codes[1]!.replaceAll('-', ''),
      ` ${codes[2]!.replaceAll('-', ' ')} `,
      // What a Chinese input method gives: full-width letters, digits and dash.
      [...codes[3]!].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join(''),
      // I, L and O for 1, 1 and 0, as someone reading the code aloud might type it.
      codes[4]!.replaceAll('1', 'l').replaceAll('0', 'O'),
      codes[5]!.replaceAll('1', 'I').replaceAll('0', 'o'),
    ];
    for (const typed of variants) expect(await recovery.use('account-typed', typed)).toBe(true);
    expect(await recovery.remaining('account-typed')).toBe(4);
  });

  it("refuses malformed codes and another account's codes", async () => {
    const mine = await recovery.regenerate('account-mine');
    await recovery.regenerate('account-theirs');
    expect(await recovery.use('account-theirs', mine[0]!)).toBe(false);
    for (const typed of [
      '',
      mine[0]!.slice(0, -1),
      `${mine[0]!}0`,
      mine[0]!.replace(/^./, 'U'),
      '!!!!-!!!!-!!!!',
    ]) {
      expect(await recovery.use('account-mine', typed)).toBe(false);
    }
    expect(await recovery.use('account-nobody', mine[0]!)).toBe(false);
    expect(await recovery.remaining('account-mine')).toBe(10);
    expect(await recovery.remaining('account-nobody')).toBe(0);
  });

  it('does not accept a code under another pepper', async () => {
    const codes = await recovery.regenerate('account-pepper');
    const other = new RecoveryCodes({ store, pepper: createSecretKey(randomBytes(32)) });
    expect(await other.use('account-pepper', codes[0]!)).toBe(false);
    expect(await recovery.use('account-pepper', codes[0]!)).toBe(true);
  });

  it('lets exactly one of two connections use the same code at once', async () => {
    const codes = await recovery.regenerate('account-race');
    const first = new RecoveryCodes({ store: await db.open(), pepper });
    const second = new RecoveryCodes({ store: await db.open(), pepper });
    for (const code of codes.slice(0, 5)) {
      const results = await Promise.all([
        first.use('account-race', code),
        second.use('account-race', code),
        first.use('account-race', code),
        second.use('account-race', code),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
    expect(await recovery.remaining('account-race')).toBe(5);
  });

  it('refuses a weak pepper', () => {
    expect(() => new RecoveryCodes({ store, pepper: createSecretKey(randomBytes(16)) })).toThrow(
      IdentityError,
    );
  });
});
