import type { Store } from '@onegate/store';
import { openField, readHeader, sealField } from '../ciphers/field-cipher.ts';
import { isPrivacyError, PrivacyError } from '../errors.ts';
import type { CiphertextHeader, DataKey, FieldContext, KeyResolver } from '../field-types.ts';
import type { KeyAuditSink } from './key-audit.ts';
import { invalid } from './key-errors.ts';
import { checkActor, checkKeyId } from './key-ids.ts';
import type { Keyring } from './keyring.ts';
import {
  advanceProgress,
  finishProgress,
  readProgress,
  resetProgress,
  type BatchCounts,
  type RewrapProgressRow,
} from './rewrap-progress.ts';

export interface RewrapColumnOptions {
  store: Store;
  keyring: Keyring;
  /** `table` or `schema.table`; lower-case SQL names, checked and quoted. */
  table: string;
  /** The primary key column: rows are walked in its order. */
  idColumn: string;
  /** The column of envelopes. */
  column: string;
  /** The key chain to move to its primary version; values under other keys are left alone. */
  keyId: string;
  /** Rows per transaction (default 500). */
  batchSize?: number;
  /** Where a row's value belongs: the associated data it was sealed with. */
  context: (row: { id: string }) => FieldContext;
  /** The cipher; `sealField`, `openField` and `readHeader` unless given. */
  seal?: (key: DataKey, plaintext: Buffer, context: FieldContext) => string;
  open?: (ciphertext: string, context: FieldContext, resolve: KeyResolver) => Buffer;
  readHeader?: (ciphertext: string) => CiphertextHeader;
  /** Stops between batches; the run returns `completed: false` and the next run resumes. */
  signal?: AbortSignal;
  /** Called after each committed batch. */
  onBatch?: (progress: RewrapResult) => void;
  /** Audits the run as `privacy.key.rewrap` when given. */
  audit?: KeyAuditSink;
  actor?: string;
  clock?: () => number;
}

export interface RewrapResult extends BatchCounts {
  job: string;
  keyId: string;
  /** The primary version values were moved to. */
  targetVersion: number;
  /** Every row was visited; false when stopped by `signal` (run again to resume). */
  completed: boolean;
  /** This run continued a run that had stopped. */
  resumed: boolean;
  batches: number;
  /** Already under the target version. */
  current: number;
  /** Empty, or under another key (a subject's key, say). */
  skipped: number;
  /** Ids of rows that could not be opened (first 100): left as they are, for an operator to look at. */
  unreadableIds: string[];
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_UNREADABLE_IDS = 100;

/**
 * Re-encrypts a column's values under the key's current primary version, in
 * batches walked in id order. Each batch is one transaction that also moves
 * the cursor in `privacy_rewrap_progress`, so a run that stops or crashes
 * resumes after the last committed batch. A value is replaced only if it is
 * still the one read: a concurrent writer wins (counted in `conflicts`),
 * and what it wrote is under the primary already. Reads go on throughout:
 * old versions stay decrypt-only until retired after the rewrap.
 */
export async function rewrapColumn(options: RewrapColumnOptions): Promise<RewrapResult> {
  const { store, keyring } = options;
  const keyId = checkKeyId(options.keyId);
  const table = quoteName(options.table, true);
  const id = quoteName(options.idColumn, false);
  const column = quoteName(options.column, false);
  const batchSize = options.batchSize ?? 500;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw invalid('the batch size is a whole number from 1 to 10000');
  }
  const actor = options.actor === undefined ? undefined : checkActor(options.actor);
  const seal = options.seal ?? sealField;
  const open = options.open ?? openField;
  const header = options.readHeader ?? readHeader;
  const clock = options.clock ?? Date.now;
  const job = `${options.table}.${options.column}`;

  let primary = await keyring.primaryKey(keyId, { create: false });
  let progress = await start(store, job, keyId, primary.version, clock());
  const result: RewrapResult = {
    job,
    keyId,
    targetVersion: primary.version,
    completed: false,
    resumed: progress.cursor !== null,
    batches: 0,
    scanned: 0,
    rewrapped: 0,
    conflicts: 0,
    unreadable: 0,
    current: 0,
    skipped: 0,
    unreadableIds: [],
  };

  const openRow = async (value: string, context: FieldContext): Promise<Buffer> => {
    try {
      return open(value, context, keyring.resolve);
    } catch (err) {
      if (!isPrivacyError(err, 'ERR_PRIVACY_KEY_NOT_FOUND')) throw err;
      const named = header(value);
      await keyring.ensure(named.keyId, named.version);
      return open(value, context, keyring.resolve);
    }
  };

  while (!options.signal?.aborted) {
    // Rotated again during the run: rows done so far are under an older version, so start over.
    const now = await keyring.primaryKey(keyId, { create: false });
    if (now.version !== primary.version) {
      primary = now;
      progress = await start(store, job, keyId, primary.version, clock(), true);
      result.targetVersion = primary.version;
    }
    const rows = await store.query<{ id: unknown; value: unknown }>(
      progress.cursor === null
        ? `SELECT ${id} AS id, ${column} AS value FROM ${table} ORDER BY ${id} LIMIT $1`
        : `SELECT ${id} AS id, ${column} AS value FROM ${table} WHERE ${id} > $2 ORDER BY ${id} LIMIT $1`,
      progress.cursor === null ? [batchSize] : [batchSize, progress.cursor],
    );
    if (rows.length === 0) {
      await finishProgress(store, job, primary.version, clock());
      result.completed = true;
      break;
    }

    const counts: BatchCounts = { scanned: rows.length, rewrapped: 0, conflicts: 0, unreadable: 0 };
    const updates: Array<{ id: unknown; old: string; value: string }> = [];
    for (const row of rows) {
      const rowId = idText(row.id);
      if (typeof row.value !== 'string') {
        result.skipped++;
        continue;
      }
      try {
        const named = header(row.value);
        if (named.keyId !== keyId) {
          result.skipped++;
          continue;
        }
        if (named.version === primary.version) {
          result.current++;
          continue;
        }
        const context = options.context({ id: rowId });
        const plaintext = await openRow(row.value, context);
        try {
          updates.push({ id: row.id, old: row.value, value: seal(primary, plaintext, context) });
        } finally {
          plaintext.fill(0);
        }
      } catch (err) {
        if (!(err instanceof PrivacyError) || err.code === 'ERR_PRIVACY_INVALID') throw err;
        counts.unreadable++;
        if (result.unreadableIds.length < MAX_UNREADABLE_IDS) result.unreadableIds.push(rowId);
      }
    }

    const cursor = idText(rows[rows.length - 1]!.id);
    await store.transaction(async (tx) => {
      for (const u of updates) {
        const changed = await tx.exec(
          `UPDATE ${table} SET ${column} = $1 WHERE ${id} = $2 AND ${column} = $3`,
          [u.value, u.id as string | number | bigint, u.old],
        );
        if (changed === 1) counts.rewrapped++;
        else counts.conflicts++;
      }
      const moved = await advanceProgress(
        tx,
        { job, targetVersion: primary.version, cursor: progress.cursor },
        { cursor, counts, now: clock() },
      );
      if (!moved) {
        throw new PrivacyError('ERR_PRIVACY_INVALID', `another rewrap of ${job} is running: let it finish`);
      }
    });
    progress = { ...progress, cursor };
    result.batches++;
    result.scanned += counts.scanned;
    result.rewrapped += counts.rewrapped;
    result.conflicts += counts.conflicts;
    result.unreadable += counts.unreadable;
    options.onBatch?.({ ...result, unreadableIds: [...result.unreadableIds] });
    // SQLite answers synchronously: without this a whole rewrap would hold the event loop (and the server).
    await new Promise((resolve) => setImmediate(resolve));
  }

  if (options.audit) {
    const { targetVersion, completed, resumed, batches, scanned, rewrapped, conflicts, unreadable } = result;
    await options.audit.write({
      action: 'privacy.key.rewrap',
      outcome: 'success',
      actor,
      details: {
        keyId,
        table: options.table,
        column: options.column,
        ...{ targetVersion, completed, resumed, batches, scanned, rewrapped, conflicts, unreadable },
      },
    });
  }
  return result;
}

/** Where the last run of a column's rewrap stands, for `onegate privacy keys rewrap --status`. */
export async function rewrapStatus(
  store: Store,
  table: string,
  column: string,
): Promise<RewrapProgressRow | undefined> {
  quoteName(table, true);
  quoteName(column, false);
  return readProgress(store, `${table}.${column}`);
}

/** The unfinished run towards `targetVersion` to resume, or a fresh start. */
async function start(
  store: Store,
  job: string,
  keyId: string,
  targetVersion: number,
  now: number,
  restart = false,
): Promise<RewrapProgressRow> {
  const found = restart ? undefined : await readProgress(store, job);
  if (
    found &&
    found.finished_at === null &&
    found.key_id === keyId &&
    found.target_version === targetVersion
  ) {
    return found;
  }
  await resetProgress(store, job, keyId, targetVersion, now);
  return (await readProgress(store, job))!;
}

function quoteName(name: string, qualified: boolean): string {
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (parts.length === 0 || parts.length > (qualified ? 2 : 1) || !parts.every((p) => NAME.test(p))) {
    throw invalid(`a ${qualified ? 'table' : 'column'} name is lower-case letters, digits and _`);
  }
  return parts.map((p) => `"${p}"`).join('.');
}

function idText(id: unknown): string {
  if (typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint') return String(id);
  throw invalid('the id column holds text or whole numbers');
}
