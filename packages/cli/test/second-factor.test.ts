import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpAt } from '@onegate/identity';
import { auditRows } from './audit-rows.ts';
import { cliDatabase, json, onegate, type CliDatabase } from './run-onegate.ts';

const PASSWORD = 'correct horse battery staple';

describe('onegate totp and recovery-codes', { timeout: 60_000 }, () => {
  let db: CliDatabase;
  const run = (args: string[], input?: string) => onegate(args, db.env, input);

  beforeAll(async () => {
    db = await cliDatabase('sqlite');
    await run(['user', 'add', '--username', 'li.wei', '--password-stdin'], PASSWORD);
  });
  afterAll(() => db.drop());

  it('enrolls an authenticator app: a wrong first code is refused, the right one activates it', async () => {
    const started = json<{ secret: string; otpauth_uri: string }>(
      await run(['totp', 'enroll', 'li.wei', '--json']),
    );
    expect(started.otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    expect(started.otpauth_uri).toContain(`secret=${started.secret}`);

    const wrong = await run([
      'totp',
      'activate',
      'li.wei',
      '000000' === code(started.secret) ? '111111' : '000000',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/not valid now/);

    const right = await run(['totp', 'activate', 'li.wei', code(started.secret)]);
    expect(right.code).toBe(0);
    expect(right.stdout).toMatch(/active/);

    const again = await run(['totp', 'enroll', 'li.wei']);
    expect(again.code).not.toBe(0);
  });

  it('makes ten recovery codes, shown once', async () => {
    const { recovery_codes } = json<{ recovery_codes: string[] }>(
      await run(['recovery-codes', 'regenerate', 'li.wei', '--json']),
    );
    expect(recovery_codes).toHaveLength(10);
    expect(new Set(recovery_codes).size).toBe(10);
  });

  it('resets a lost second factor only with a proofing record, audited, and lowers the assurance unless in person (ASVS 6.4.4)', async () => {
    const without = await run(['totp', 'remove', 'li.wei']);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain("required option '--proofing <record>'");
    const vague = await run(['totp', 'remove', 'li.wei', '--proofing', 'ok']);
    expect(vague.code).toBe(2);
    expect(vague.stderr).toContain('8 to 200 characters');

    const verified = await run([
      'user',
      'verify',
      'li.wei',
      '--proofing',
      'ID card checked, Xihu counter, ticket 4410',
    ]);
    expect(verified.code).toBe(0);
    const store = await db.open();
    const assurance = async () =>
      (
        await store.one<{ a: string }>(
          "SELECT identity_assurance AS a FROM accounts WHERE username = 'li.wei'",
        )
      ).a;
    expect(await assurance()).toBe('verified_in_person');
    // Nothing was removed by the refused attempts.
    expect(Number((await store.one<{ n: number }>('SELECT count(*) AS n FROM identity_totp')).n)).toBe(1);

    const reset = await run([
      'totp',
      'remove',
      'li.wei',
      '--proofing',
      'video call with the citizen, ticket 4411',
    ]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('removed the authenticator app and recovery codes of li.wei');
    expect(reset.stdout).toContain('identity assurance is now basic');
    expect(await assurance()).toBe('basic');
    for (const table of ['identity_totp', 'identity_recovery_codes']) {
      expect(Number((await store.one<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).n), table).toBe(0);
    }
    const [event] = await auditRows(store, 'account.second_factor_reset');
    expect(event).toMatchObject({ outcome: 'success', actor: 'operator' });
    expect(JSON.parse(event!.details!)).toEqual({
      proofing: 'video call with the citizen, ticket 4411',
      in_person: false,
      removed: true,
      identity_assurance: { before: 'verified_in_person', after: 'basic' },
    });

    // Proven in person, a verified account keeps its level.
    await run(['user', 'verify', 'li.wei', '--proofing', 'ID card checked, Xihu counter, ticket 4412']);
    const inPerson = await run([
      'totp',
      'remove',
      'li.wei',
      '--in-person',
      '--proofing',
      'ID card, ticket 4413',
    ]);
    expect(inPerson.stdout).toContain('had no authenticator app or recovery codes');
    expect(await assurance()).toBe('verified_in_person');
  });
});

/** The code an authenticator app shows now (the algorithm itself has RFC known-answer tests). */
function code(secretBase32: string): string {
  return totpAt(base32Decode(secretBase32), Date.now());
}
