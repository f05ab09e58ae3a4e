/**
 * Least privilege on PostgreSQL (ASVS 13.2.2): `onegate serve` connects as a
 * runtime role that cannot change or delete what the audit log recorded, and
 * retention as a role of its own that can only empty old entries.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@onegate/server';
import { createTestDatabase, postgresUrl, type TestDatabase } from '@onegate/store/testing';
import { startPlatform, type Platform } from './support/platform.ts';
import { onegate } from './support/serve-process.ts';

const DAY = 86_400_000;

describe('a retention role of its own', () => {
  it('is refused on SQLite, which has no roles', () => {
    expect(() =>
      loadConfig({ ONEGATE_AUDIT_RETENTION_DATABASE_URL: 'postgres://retention@db/onegate' }),
    ).toThrow(/ONEGATE_AUDIT_RETENTION_DATABASE_URL\): needs databaseUrl/);
  });
});

describe.runIf(postgresUrl)('database roles on PostgreSQL', { timeout: 60_000 }, () => {
  const suffix = randomBytes(4).toString('hex');
  const runtime = `og_runtime_${suffix}`;
  const retention = `og_retention_${suffix}`;
  let db: TestDatabase;
  let platform: Platform;
  let asRuntime: pg.Client;
  let asRetention: pg.Client;

  /** The test database's URL, connecting as `role`. */
  function urlAs(role: string): string {
    const url = new URL(db.location.databaseUrl!);
    url.username = role;
    url.password = '';
    return url.toString();
  }

  async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  }

  /** The SQLSTATE a statement fails with, or 'ok'. */
  async function attempt(client: pg.Client, sql: string): Promise<string> {
    try {
      await client.query(sql);
      return 'ok';
    } catch (err) {
      return (err as { code: string }).code;
    }
  }

  beforeAll(async () => {
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${runtime} LOGIN`);
      await c.query(`CREATE ROLE ${retention} LOGIN`);
    });
    db = await createTestDatabase('postgres');
    const owner = { ONEGATE_DATABASE_URL: db.location.databaseUrl! };
    const out = await onegate(['migrate', '--grant-runtime', runtime, '--grant-retention', retention], owner);
    expect(out).toContain(`granted ${runtime}`);
    platform = await startPlatform('postgres', {
      ONEGATE_DATABASE_URL: urlAs(runtime),
      ONEGATE_AUDIT_RETENTION_DATABASE_URL: urlAs(retention),
    });
    asRuntime = new pg.Client({ connectionString: urlAs(runtime) });
    asRetention = new pg.Client({ connectionString: urlAs(retention) });
    await asRuntime.connect();
    await asRetention.connect();
  });

  afterAll(async () => {
    await asRuntime?.end();
    await asRetention?.end();
    await platform?.stop();
    await db?.drop();
    await admin(async (c) => {
      for (const role of [runtime, retention]) {
        await c.query(`DROP OWNED BY ${role}`);
        await c.query(`DROP ROLE ${role}`);
      }
    });
  });

  it('runs OneGate as the runtime role, which cannot rewrite the audit record', async () => {
    // The server works: an account made, its act audited.
    const account = await platform.server.identity.accounts.create({
      username: 'li.wei',
      password: 'correct horse battery staple 42',
    });
    await platform.server.audit.flush();
    const { rows } = await asRuntime.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit_entries WHERE action = 'account.create' AND subject = $1",
      [account.id],
    );
    expect(Number(rows[0]!.n)).toBe(1);

    expect(await attempt(asRuntime, "UPDATE audit_entries SET action = 'nothing.happened'")).toBe('42501');
    expect(await attempt(asRuntime, 'DELETE FROM audit_entries')).toBe('42501');
    expect(await attempt(asRuntime, 'DELETE FROM audit_nodes')).toBe('42501');
    expect(await attempt(asRuntime, 'UPDATE audit_checkpoints SET note = note')).toBe('42501');
    expect(await attempt(asRuntime, 'TRUNCATE audit_entries')).toBe('42501');
    expect(await attempt(asRuntime, 'CREATE TABLE shadow_log (x int)')).toBe('42501');
    // What it needs stays: its own tables.
    expect(await attempt(asRuntime, 'UPDATE accounts SET updated_at = updated_at')).toBe('ok');
  });

  it('prunes through the retention role, which can do nothing else', async () => {
    await platform.server.audit.flush();
    // A year from now, every entry is past the 180 days.
    expect(await platform.server.audit.prune(Date.now() + 365 * DAY)).toBeGreaterThan(0);
    const { rows } = await asRuntime.query<{ pruned: string; kept: string }>(
      'SELECT count(pruned_at) AS pruned, count(*) - count(pruned_at) AS kept FROM audit_entries',
    );
    expect(Number(rows[0]!.pruned)).toBeGreaterThan(0);
    expect(Number(rows[0]!.kept)).toBe(0);

    expect(await attempt(asRetention, 'SELECT leaf FROM audit_entries')).toBe('42501');
    expect(await attempt(asRetention, 'DELETE FROM audit_entries')).toBe('42501');
    expect(await attempt(asRetention, "UPDATE audit_entries SET action = 'x'")).toBe('42501');
    expect(await attempt(asRetention, 'SELECT * FROM accounts')).toBe('42501');
  });

  it('refuses half a grant and a grant on SQLite, changing nothing', async () => {
    const owner = { ONEGATE_DATABASE_URL: db.location.databaseUrl! };
    await expect(onegate(['migrate', '--grant-runtime', runtime], owner)).rejects.toThrow(
      /--grant-runtime and --grant-retention go together/,
    );
    await expect(
      onegate(['migrate', '--grant-runtime', 'a', '--grant-retention', 'b'], { ONEGATE_DATA_DIR: '/tmp' }),
    ).rejects.toThrow(/SQLite has no roles/);
  });
});
