import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../src/index.ts';

/**
 * One database for a test file, on one engine. `open()` gives a new connection
 * (a second process, as far as the database can tell) to the same database.
 */
export interface TestDatabase {
  engine: 'sqlite' | 'postgres';
  /** What `openStore` needs to reach this database from another process too. */
  location: { databaseUrl?: string; dataDir?: string };
  open(): Promise<Store>;
  drop(): Promise<void>;
}

export const postgresUrl = process.env['ONEGATE_TEST_DATABASE_URL'];

/** SQLite always; PostgreSQL whenever ONEGATE_TEST_DATABASE_URL is set (unreachable then fails, never skips). */
export const engines: Array<'sqlite' | 'postgres'> = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export async function createTestDatabase(engine: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const opened: Store[] = [];
  const track = async (location: TestDatabase['location']) => {
    const store = await openStore(location);
    opened.push(store);
    return store;
  };
  if (engine === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'onegate-store-'));
    return {
      engine,
      location: { dataDir },
      open: () => track({ dataDir }),
      drop: async () => {
        await Promise.all(opened.map((s) => s.close()));
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!postgresUrl) throw new Error('ONEGATE_TEST_DATABASE_URL is not set');
  // Each test database is a fresh schema, so test files can run side by side.
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = url.toString();
  return {
    engine,
    location: { databaseUrl },
    open: () => track({ databaseUrl }),
    drop: async () => {
      await Promise.all(opened.map((s) => s.close()));
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** Resolves when `predicate` holds, polling; rejects after `ms`. */
export async function eventually(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
