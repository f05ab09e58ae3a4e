import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from './engines.ts';

/** Everything SQLite keeps on disk for the database: the file, and its WAL and shared memory if any. */
function filesOf(dataDir: string): Buffer {
  return Buffer.concat(readdirSync(dataDir).map((name) => readFileSync(join(dataDir, name))));
}

describe('a deleted row on SQLite', () => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    store = await db.open();
    await store.migrate({
      owner: 'test-secrets',
      migrations: [
        { version: 1, name: 'secrets', up: 'CREATE TABLE secrets (id TEXT PRIMARY KEY, wrapped BLOB)' },
      ],
    });
  });
  afterAll(() => db?.drop());

  it('leaves no copy of its bytes in the files once the store is closed (a shredded key stays shredded)', async () => {
    const secret = randomBytes(48);
    await store.exec('INSERT INTO secrets (id, wrapped) VALUES ($1, $2)', ['subject.alice', secret]);
    // Many rows around it, so the page is not simply dropped whole.
    for (let i = 0; i < 50; i++) {
      await store.exec('INSERT INTO secrets (id, wrapped) VALUES ($1, $2)', [`other.${i}`, randomBytes(48)]);
    }
    await store.close();
    const dataDir = db.location.dataDir!;
    expect(filesOf(dataDir).includes(secret)).toBe(true);

    store = await db.open();
    await store.exec('DELETE FROM secrets WHERE id = $1', ['subject.alice']);
    await store.close();
    expect(filesOf(dataDir).includes(secret)).toBe(false);
  });
});
