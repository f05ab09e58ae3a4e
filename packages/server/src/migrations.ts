import { auditMigrations } from '@onegate/audit';
import { authzMigrations } from '@onegate/authz';
import { identityMigrations } from '@onegate/identity';
import { privacyMigrations } from '@onegate/privacy';
import type { MigrationResult, MigrationSet, Store } from '@onegate/store';

/**
 * The schema of every package, in dependency order. Each capability adds its
 * own sets here as it lands; the store keeps its bookkeeping tables itself.
 */
export const migrationSets: readonly MigrationSet[] = [
  auditMigrations,
  privacyMigrations,
  ...identityMigrations,
  authzMigrations,
];

export async function migrateAll(store: Store): Promise<MigrationResult[]> {
  const results: MigrationResult[] = [];
  for (const set of migrationSets) results.push(await store.migrate(set));
  return results;
}
