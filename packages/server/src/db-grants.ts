import type { Store } from '@onegate/store';
import { ServerError } from './errors.ts';

/** The tables that are the audit log's record: once written, only retention may change an entry. */
const AUDIT_RECORD = ['audit_entries', 'audit_nodes', 'audit_checkpoints'] as const;

/** What retention empties in an old entry (`pruneEntries`); nothing else of the log. */
const RETENTION_COLUMNS = ['leaf', 'pruned_at', 'actor', 'subject', 'department', 'client_id', 'purpose'];

const ROLE = /^[a-z_][a-z0-9_]{0,62}$/;

export interface DatabaseRoles {
  /** The role `onegate serve` connects as (ONEGATE_DATABASE_URL). */
  runtime: string;
  /** The role retention connects as (ONEGATE_AUDIT_RETENTION_DATABASE_URL). */
  retention: string;
}

/**
 * Least privilege on PostgreSQL (ASVS 13.2.2), granted by the owner after
 * migrating: the runtime role reads and writes OneGate's tables but cannot
 * change or delete what the audit log recorded (entries, tree nodes,
 * checkpoints), nor run DDL; the retention role may only read entries and
 * empty the columns retention empties. Idempotent: run after every
 * migration, since new tables are not covered by earlier grants.
 */
export async function grantLeastPrivilege(store: Store, roles: DatabaseRoles): Promise<string[]> {
  if (store.dialect !== 'postgres') {
    throw new ServerError('ERR_CONFIG_INVALID', 'database roles are a PostgreSQL feature; SQLite has none');
  }
  if (roles.runtime === roles.retention) {
    throw new ServerError('ERR_CONFIG_INVALID', 'the runtime and retention roles must be two roles');
  }
  for (const role of [roles.runtime, roles.retention]) {
    if (!ROLE.test(role)) {
      throw new ServerError(
        'ERR_CONFIG_INVALID',
        'a role name is 1 to 63 of a-z, 0-9 and _, not starting with a digit',
      );
    }
  }
  const { schema } = await store.one<{ schema: string }>('SELECT current_schema() AS schema');
  const runtime = `"${roles.runtime}"`;
  const retention = `"${roles.retention}"`;
  const inSchema = `"${schema.replaceAll('"', '""')}"`;
  const record = AUDIT_RECORD.join(', ');
  const statements = [
    `GRANT USAGE ON SCHEMA ${inSchema} TO ${runtime}`,
    `REVOKE CREATE ON SCHEMA ${inSchema} FROM ${runtime}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${inSchema} TO ${runtime}`,
    `REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA ${inSchema} FROM ${runtime}`,
    `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${inSchema} TO ${runtime}`,
    `REVOKE UPDATE, DELETE ON ${record} FROM ${runtime}`,
    // Which migrations ran is the owner's to say, when it migrates.
    `REVOKE INSERT, UPDATE, DELETE ON onegate_migrations FROM ${runtime}`,
    // The head moves with every append; it is a cache of the tree, checked against it by verify.
    `REVOKE DELETE ON audit_head FROM ${runtime}`,
    `GRANT USAGE ON SCHEMA ${inSchema} TO ${retention}`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA ${inSchema} FROM ${retention}`,
    `GRANT SELECT (idx, at, pruned_at), UPDATE (${RETENTION_COLUMNS.join(', ')}) ON audit_entries TO ${retention}`,
  ];
  await store.transaction(async (tx) => {
    for (const sql of statements) await tx.exec(sql);
  });
  return statements;
}
