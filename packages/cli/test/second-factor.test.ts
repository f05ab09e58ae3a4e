import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpAt } from '@onegate/identity';
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
});

/** The code an authenticator app shows now (the algorithm itself has RFC known-answer tests). */
function code(secretBase32: string): string {
  return totpAt(base32Decode(secretBase32), Date.now());
}
