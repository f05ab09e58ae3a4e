import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityServices, loadMasterKey } from '@onegate/identity';
import { Keyring, loadKek } from '@onegate/privacy';
import { engines } from '@onegate/store/testing';
import { auditRows } from './audit-rows.ts';
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

  /** Signs in through the identity services, as the login page would, with the keys the CLI made. */
  async function signsIn(login: string, password: string): Promise<boolean> {
    return (await signIn(login, password)).ok;
  }

  /** True when the password was right and is a temporary one, to be replaced at this sign-in. */
  async function mustChoose(login: string, password: string): Promise<boolean> {
    const result = await signIn(login, password);
    return result.ok && result.passwordChangeRequired;
  }

  async function signIn(login: string, password: string) {
    const store = await db.open();
    const { key } = await loadMasterKey({ env: {}, dataDir: db.dataDir });
    const { kek } = await loadKek({ env: {}, dataDir: db.dataDir });
    // The sign-in is what is checked here, not its audit (the CLI's is checked in privacy-keys and authz-context).
    const audit = { write: async () => undefined };
    const keyring = new Keyring({ store, kek, audit });
    await keyring.start();
    try {
      const { accounts } = identityServices({
        store,
        audit,
        keyring,
        masterKey: key,
        passwordHash: { memoryKiB: 19_456, timeCost: 2, parallelism: 1 },
        development: true,
      });
      return await accounts.signIn({ login, password, address: '192.0.2.1' });
    } finally {
      await keyring.stop();
    }
  }

  /** The account's row as stored. */
  async function rawRow(username: string): Promise<Record<string, unknown>> {
    const store = await db.open();
    return store.one('SELECT * FROM accounts WHERE username = $1', [username]);
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
        '--id-number',
        '11010519491231002x',
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
      idNumber: '11010519491231002X',
      identityAssurance: 'verified_in_person',
      departments: [{ department: 'social-security', role: 'officer' }],
    });
    // An operator's password is temporary (ASVS 6.4.1): a day, to choose the person's own.
    expect(await mustChoose('li.wei', PASSWORD)).toBe(true);
    expect(await mustChoose('+86 138 0013 8000', PASSWORD)).toBe(true);
    const expiresAt = Number((await rawRow('li.wei'))['password_expires_at']);
    expect(expiresAt - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    const raw = JSON.stringify(await rawRow('li.wei'));
    for (const plain of ['13800138000', 'li.wei@example.cn', '11010519491231002X', 'Li Wei']) {
      expect(raw).not.toContain(plain);
    }
    // Audited to the audit log as the operator, and the command signed a checkpoint covering it.
    const store = await db.open();
    const [created] = await auditRows(store, 'account.create');
    expect(created).toMatchObject({
      outcome: 'success',
      actor: 'operator',
      subject: (await rawRow('li.wei'))['id'],
    });
    const checkpoints = await store.query<{ size: number }>('SELECT size FROM audit_checkpoints');
    expect(checkpoints.length).toBeGreaterThan(0);
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
      stderr: 'onegate: an account with this username, phone number, e-mail address or ID number exists\n',
    });
    const sameId = await run(
      ['user', 'add', '--username', 'someone.else', '--id-number', '11010519491231002X', '--password-stdin'],
      'another good passphrase',
    );
    expect(sameId.code).toBe(1);
    const badId = await run(
      ['user', 'add', '--username', 'someone.else', '--id-number', '110105194912310021', '--password-stdin'],
      'another good passphrase',
    );
    expect(badId.code).toBe(2);
    expect(badId.stderr).toMatch(/^onegate: ID number is not valid: /);
    expect(badId.stderr).not.toContain('110105194912310021');
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
    expect(list).toEqual([
      expect.objectContaining({
        phone: '138****8000',
        email: 'l***@example.cn',
        idNumber: '110105********002X',
      }),
    ]);
    expect(JSON.stringify(list)).not.toContain('11010519491231002X');

    const show = await run(['user', 'show', '138 0013 8000']);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^phone: +13800138000$/m);
    expect(show.stdout).toMatch(/^ID number: +11010519491231002X$/m);
    expect(show.stdout).toMatch(/^departments: +social-security:officer$/m);
    const byIdNumber = await run(['user', 'show', '11010519491231002x', '--json']);
    expect(json(byIdNumber)).toMatchObject({ username: 'li.wei' });
  });

  it('changes and removes personal data with update', async () => {
    const updated = await run([
      'user',
      'update',
      'li.wei',
      '--phone',
      '13900139000',
      '--email',
      '',
      '--json',
    ]);
    expect(updated.code).toBe(0);
    expect(json(updated)).toMatchObject({ phone: '13900139000', idNumber: '11010519491231002X' });
    expect(json(updated)).not.toHaveProperty('email');
    expect(await signsIn('13900139000', PASSWORD)).toBe(true);
    expect(await signsIn('13800138000', PASSWORD)).toBe(false);
    expect(await signsIn('li.wei@example.cn', PASSWORD)).toBe(false);
    const nothing = await run(['user', 'update', 'li.wei']);
    expect(nothing.code).toBe(2);
    const back = await run([
      'user',
      'update',
      'li.wei',
      '--phone',
      '+86 138 0013 8000',
      '--email',
      'li.wei@example.cn',
    ]);
    expect(back).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^updated account li\.wei \(/) as string,
    });
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
    expect(reset.stdout).toContain('the password is temporary');
    expect(await mustChoose('li.wei', 'a brand new passphrase')).toBe(true);
    expect(await signsIn('li.wei', PASSWORD)).toBe(false);

    const signedOut = await run(['user', 'sign-out', 'li.wei@example.cn']);
    expect(signedOut.code).toBe(0);
    expect(signedOut.stdout).toMatch(/^ended 0 sessions of account li\.wei \(/);
    const missing = await run(['user', 'disable', 'nobody']);
    expect(missing).toMatchObject({ code: 1, stderr: 'onegate: no such account\n' });
  });
});
