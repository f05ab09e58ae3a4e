import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError, type MigrationSet, type Store } from '../src/index.ts';
import { runChild } from './child-process.ts';
import { createTestDatabase, engines, type TestDatabase } from './engines.ts';
import { sampleMigrations } from './fixtures/sample-migrations.ts';

describe.each(engines)('migrations on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
  });
  afterEach(() => db.drop());

  it('applies every migration to a fresh database, in order', async () => {
    const result = await store.migrate(sampleMigrations);
    expect(result).toEqual({ owner: 'sample', applied: [1, 2], current: 2 });
    expect(await store.query('SELECT id FROM departments')).toEqual([{ id: 'civil-affairs' }]);
  });

  it('does nothing when run again', async () => {
    await store.migrate(sampleMigrations);
    expect(await store.migrate(sampleMigrations)).toEqual({ owner: 'sample', applied: [], current: 2 });
    expect(await store.query('SELECT id FROM departments')).toHaveLength(1);
  });

  it('applies only what a newer release added', async () => {
    await store.migrate({ owner: 'sample', migrations: sampleMigrations.migrations.slice(0, 1) });
    expect((await store.migrate(sampleMigrations)).applied).toEqual([2]);
  });

  it('keeps each package apart', async () => {
    await store.migrate(sampleMigrations);
    const other: MigrationSet = {
      owner: 'other',
      migrations: [{ version: 1, name: 't', up: 'CREATE TABLE other_t (id INTEGER PRIMARY KEY)' }],
    };
    expect((await store.migrate(other)).applied).toEqual([1]);
  });

  it('leaves nothing behind when a migration fails', async () => {
    const broken: MigrationSet = {
      owner: 'sample',
      migrations: [
        ...sampleMigrations.migrations,
        { version: 3, name: 'broken', up: 'CREATE TABLE good_then_bad (id INTEGER); NOT VALID SQL' },
      ],
    };
    const err = await store.migrate(broken).catch((e: unknown) => e);
    expect(isStoreError(err, 'ERR_STORE_QUERY')).toBe(true);
    // The whole run is one transaction: not even migrations 1 and 2 stay applied.
    expect((await store.migrate(sampleMigrations)).applied).toEqual([1, 2]);
  });

  it('refuses a migration edited after it was applied', async () => {
    await store.migrate(sampleMigrations);
    const edited: MigrationSet = {
      owner: 'sample',
      migrations: [
        { ...sampleMigrations.migrations[0]!, up: 'CREATE TABLE departments (id TEXT)' },
        sampleMigrations.migrations[1]!,
      ],
    };
    const err = await store.migrate(edited).catch((e: unknown) => e);
    expect(isStoreError(err, 'ERR_STORE_MIGRATION')).toBe(true);
    expect((err as Error).message).toMatch(/sample migration 1 \(departments\) was edited/);
  });

  it('refuses to run an older OneGate on a database a newer one migrated', async () => {
    await store.migrate(sampleMigrations);
    const older: MigrationSet = { owner: 'sample', migrations: sampleMigrations.migrations.slice(0, 1) };
    const err = await store.migrate(older).catch((e: unknown) => e);
    expect(isStoreError(err, 'ERR_STORE_MIGRATION')).toBe(true);
    expect((err as Error).message).toMatch(/newer version/);
  });

  it('refuses versions out of order', async () => {
    const err = await store
      .migrate({ owner: 'sample', migrations: [{ ...sampleMigrations.migrations[1]!, version: 2 }] })
      .catch((e: unknown) => e);
    expect(isStoreError(err, 'ERR_STORE_MIGRATION')).toBe(true);
  });

  it('applies each migration once when two processes start at the same moment', async () => {
    const results = await Promise.all([runChild(db, 'migrate'), runChild(db, 'migrate')]);
    const applied = results.map((out) => (JSON.parse(out) as { applied: number[] }).applied);
    // One process did the work, the other found nothing left to do.
    expect(applied.sort((a, b) => b.length - a.length)).toEqual([[1, 2], []]);
    expect(await store.query('SELECT id FROM departments')).toHaveLength(1);
    expect(
      await store.query('SELECT version FROM onegate_migrations WHERE owner = $1 ORDER BY version', [
        'sample',
      ]),
    ).toEqual([{ version: 1 }, { version: 2 }]);
  });
});
