import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityServices, loadMasterKey, StoreAuditSink } from '@onegate/identity';
import { engines } from '@onegate/store/testing';
import { cliDatabase, json, onegate, type CliDatabase } from './run-onegate.ts';

const PASSWORD = 'correct horse battery staple';

// Each step spawns a fresh onegate (about a second), so a test of several steps takes a while.
describe.each(engines)('onegate user (%s)', { timeout: 60_000 }, (engine) => {
  let db: CliDatabase;
  const run = (args: string[], input?: string) => onegate(args, db.env, input);

  beforeAll(async () => {
    db = await cliDatabase(engine);
  });
  afterAll(() => db.drop());

  /** Signs in through the identity services, as the login page would. */
  async function signsIn(login: string, password: string): Promise<boolean> {
    const store = await db.open();
    const { key } = await loadMasterKey({ env: {}, dataDir: db.dataDir });
    const { accounts } = identityServices({
      store,
      audit: new StoreAuditSink(store),
      masterKey: key,
      passwordHash: { memoryKiB: 19_456, timeCost: 2, parallelism: 1 },
      development: true,
    });
    return (await accounts.signIn({ login, password, address: '192.0.2.1' })).ok;
  }

  it('creates an account with the password from standard input, without its trailing newline', async () => {
    const result = await run(
      [
        'user',
        'add',
        '--username',
        'li.wei',
        '--name',
        'Li Wei',
        '--phone',
        '+86 138-0013-8000',
        '--email',
        'Li.Wei@Example.cn',
        '--department',
        'social-security:officer',
        '--verified-in-person',
        '--password-stdin',
        '--json',
      ],
      `${PASSWORD}\n`,
    );
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({
      username: 'li.wei',
      phone: '13800138000',
      email: 'li.wei@example.cn',
      identityAssurance: 'verified_in_person',
      departments: [{ department: 'social-security', role: 'officer' }],
    });
    expect(await signsIn('li.wei', PASSWORD)).toBe(true);
  });

  it('refuses a weak password with the reasons, exit code 2', async () => {
    const result = await run(
      ['user', 'add', '--username', 'zhang.san', '--password-stdin'],
      'zhang.san2024\n',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'onegate: the new password does not meet the password policy (contains_identifier)\n',
    );
    const short = await run(['user', 'add', '--username', 'zhang.san', '--password-stdin'], 'aaaa');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('(too_short, repetitive)');
  });

  it('refuses a duplicate account, exit code 1', async () => {
    const result = await run(
      ['user', 'add', '--username', 'someone.else', '--phone', '13800138000', '--password-stdin'],
      'another good passphrase',
    );
    expect(result).toMatchObject({
      code: 1,
      stderr: 'onegate: an account with this username, phone number or e-mail exists\n',
    });
  });

  it('takes passwords only from standard input', async () => {
    const without = await run(['user', 'add', '--username', 'wang.wu'], PASSWORD);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('pass --password-stdin');
    const onArgv = await run(['user', 'add', '--username', 'wang.wu', '--password', PASSWORD]);
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toContain("unknown option '--password'");
    expect((await run(['user', 'show', 'wang.wu'])).code).toBe(1);
  });

  it('masks phone numbers and e-mail addresses in the list, not in show', async () => {
    const table = await run(['user', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /li\.wei +Li Wei +138\*\*\*\*8000 +l\*\*\*@example\.cn +verified_in_person +enabled/,
    );
    expect(table.stdout).not.toContain('13800138000');
    const list = json<Array<{ phone: string; email: string }>>(await run(['user', 'list', '--json']));
    expect(list).toEqual([expect.objectContaining({ phone: '138****8000', email: 'l***@example.cn' })]);

    const show = await run(['user', 'show', '138 0013 8000']);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^phone: +13800138000$/m);
    expect(show.stdout).toMatch(/^departments: +social-security:officer$/m);
  });

  it('disables and enables an account, and resets its password', async () => {
    const disabled = await run(['user', 'disable', 'li.wei@example.cn']);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toMatch(/^disabled account li\.wei \(/);
    expect(await signsIn('li.wei', PASSWORD)).toBe(false);
    expect((await run(['user', 'enable', 'li.wei'])).code).toBe(0);

    const weak = await run(['user', 'reset-password', 'li.wei', '--password-stdin'], 'password');
    expect(weak.code).toBe(2);
    const reset = await run(
      ['user', 'reset-password', 'li.wei', '--password-stdin'],
      'a brand new passphrase\n',
    );
    expect(reset.code).toBe(0);
    expect(await signsIn('li.wei', 'a brand new passphrase')).toBe(true);
    expect(await signsIn('li.wei', PASSWORD)).toBe(false);

    const missing = await run(['user', 'disable', 'nobody']);
    expect(missing).toMatchObject({ code: 1, stderr: 'onegate: no such account\n' });
  });
});
