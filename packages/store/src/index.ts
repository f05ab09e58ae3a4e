export { StoreError, isStoreError, type StoreErrorCode } from './errors.ts';
export { openStore, SQLITE_FILE_NAME, type OpenStoreOptions } from './open-store.ts';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
export { postgresTlsProblem } from './postgres-tls.ts';
export type {
  Change,
  ChangeListener,
  Dialect,
  Migration,
  MigrationResult,
  MigrationSet,
  Queryable,
  Row,
  SqlValue,
  Store,
  Transaction,
} from './types.ts';
