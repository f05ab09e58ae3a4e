import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAll } from '@onegate/server';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';

/**
 * ASVS 14.1.1: every stored column is classified in docs/data-classification.md.
 * A column added by a migration without a row in that document fails here, by name,
 * and so does a row for a column that no longer exists.
 */
const DOC = new URL('../../docs/data-classification.md', import.meta.url);
const CLASSES = new Set(['public', 'internal', 'personal', 'sensitive', 'secret']);

interface Classified {
  /** `table.column` → class */
  columns: Map<string, string>;
  problems: string[];
}

/** The `### \`table\`` sections of "## Stored columns", each a `| column | class | protection |` table. */
function readClassification(markdown: string): Classified {
  const columns = new Map<string, string>();
  const problems: string[] = [];
  let inSection = false;
  let table: string | undefined;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) {
      inSection = line.trim() === '## Stored columns';
      table = undefined;
      continue;
    }
    if (!inSection) continue;
    const heading = /^### `([a-z0-9_]+)`\s*$/.exec(line);
    if (heading) {
      table = heading[1];
      continue;
    }
    const row = /^\|\s*`([a-z0-9_]+)`\s*\|\s*`?([a-z]+)`?\s*\|(.*)\|\s*$/.exec(line);
    if (!row || !table) continue;
    const [, column, cls, protection] = row;
    const key = `${table}.${column!}`;
    if (!CLASSES.has(cls!)) problems.push(`${key}: unknown class "${cls!}"`);
    if (protection!.trim() === '') problems.push(`${key}: no protection stated`);
    if (columns.has(key)) problems.push(`${key}: classified twice`);
    columns.set(key, cls!);
  }
  return { columns, problems };
}

async function storedColumns(store: Store): Promise<string[]> {
  if (store.dialect === 'sqlite') {
    const tables = await store.query<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    const columns: string[] = [];
    for (const { name } of tables) {
      // Table names come from sqlite_master, not from input.
      const info = await store.query<{ name: string }>(`SELECT name FROM pragma_table_info('${name}')`);
      for (const column of info) columns.push(`${name}.${column.name}`);
    }
    return columns;
  }
  const rows = await store.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  return rows.map((r) => `${r.table_name}.${r.column_name}`);
}

describe('docs/data-classification.md', () => {
  const doc = readClassification(readFileSync(DOC, 'utf8'));

  it('gives every row a known class and a protection', () => {
    expect(doc.problems).toEqual([]);
    expect(doc.columns.size).toBeGreaterThan(100);
  });

  describe.each(engines)('against a database migrated from empty on %s', (engine) => {
    let db: TestDatabase;
    let columns: string[];

    beforeAll(async () => {
      db = await createTestDatabase(engine);
      const store = await db.open();
      await migrateAll(store);
      columns = await storedColumns(store);
    });
    afterAll(() => db.drop());

    it('classifies every column', () => {
      const unclassified = columns.filter((c) => !doc.columns.has(c));
      expect(unclassified, 'columns missing from docs/data-classification.md').toEqual([]);
    });

    it('names no column that no longer exists', () => {
      const present = new Set(columns);
      // onegate_changes is SQLite's change feed; PostgreSQL has NOTIFY instead.
      const stale = [...doc.columns.keys()].filter(
        (c) => !present.has(c) && !(engine === 'postgres' && c.startsWith('onegate_changes.')),
      );
      expect(stale, 'rows of docs/data-classification.md without a column').toEqual([]);
    });
  });
});
