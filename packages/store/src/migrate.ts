import { sha256Hex } from './checksum.ts';
import { StoreError } from './errors.ts';
import type { Dialect, MigrationResult, MigrationSet, Transaction } from './types.ts';

/** A transaction that can also run a multi-statement script without parameters. */
export interface ScriptTransaction extends Transaction {
  script(sql: string): Promise<void>;
}

const OWNER_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS onegate_migrations (
  owner TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (owner, version)
)`;

/** Refuses a set that could apply in the wrong order or twice. */
export function checkMigrationSet(set: MigrationSet): void {
  if (!OWNER_PATTERN.test(set.owner)) {
    throw new StoreError('ERR_STORE_MIGRATION', 'migration owner must be a short lower-case name');
  }
  set.migrations.forEach((m, index) => {
    if (m.version !== index + 1) {
      throw new StoreError(
        'ERR_STORE_MIGRATION',
        `migrations of ${set.owner} must be numbered 1, 2, 3 … in order (found ${m.version} at position ${index + 1})`,
      );
    }
  });
}

/**
 * Applies what is pending. The caller holds the engine's exclusive lock for the
 * whole transaction (PostgreSQL advisory lock, SQLite `BEGIN IMMEDIATE`), so two
 * processes starting at once apply each migration exactly once.
 */
export async function applyMigrations(
  tx: ScriptTransaction,
  dialect: Dialect,
  set: MigrationSet,
): Promise<MigrationResult> {
  // Made only when missing: `CREATE … IF NOT EXISTS` needs the right to create even when the table is
  // there, which a least-privileged runtime role does not have (it only reads what is applied).
  if (!(await hasMigrationsTable(tx, dialect))) await tx.exec(MIGRATIONS_TABLE);
  const done = await tx.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM onegate_migrations WHERE owner = $1 ORDER BY version',
    [set.owner],
  );
  const known = new Map(set.migrations.map((m) => [m.version, m]));
  for (const row of done) {
    const migration = known.get(Number(row.version));
    if (!migration) {
      throw new StoreError(
        'ERR_STORE_MIGRATION',
        `the database has ${set.owner} migration ${row.version}, which this OneGate does not know: it was written by a newer version`,
      );
    }
    if (sha256Hex(scriptFor(migration.up, dialect)) !== row.checksum) {
      throw new StoreError(
        'ERR_STORE_MIGRATION',
        `${set.owner} migration ${migration.version} (${migration.name}) was edited after it was applied`,
      );
    }
  }
  const applied: number[] = [];
  for (const migration of set.migrations.slice(done.length)) {
    const script = scriptFor(migration.up, dialect);
    await tx.script(script);
    await tx.exec(
      'INSERT INTO onegate_migrations (owner, version, name, checksum, applied_at) VALUES ($1, $2, $3, $4, $5)',
      [set.owner, migration.version, migration.name, sha256Hex(script), new Date().toISOString()],
    );
    applied.push(migration.version);
  }
  return { owner: set.owner, applied, current: set.migrations.length };
}

async function hasMigrationsTable(tx: ScriptTransaction, dialect: Dialect): Promise<boolean> {
  const rows =
    dialect === 'postgres'
      ? await tx.query<{ found: string | null }>("SELECT to_regclass('onegate_migrations')::text AS found")
      : await tx.query<{ found: string | null }>(
          "SELECT name AS found FROM sqlite_master WHERE type = 'table' AND name = 'onegate_migrations'",
        );
  return rows.length > 0 && rows[0]!.found !== null;
}

function scriptFor(up: string | { sqlite: string; postgres: string }, dialect: Dialect): string {
  return typeof up === 'string' ? up : up[dialect];
}
