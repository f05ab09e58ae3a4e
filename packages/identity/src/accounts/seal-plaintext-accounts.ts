import { isStoreError, type Queryable, type Store } from '@onegate/store';
import { IdentityError } from '../errors.ts';
import { ACCOUNT_COLUMNS, type AccountRow } from './account.ts';
import { IDENTIFIER_KINDS, IDENTIFIERS, type AccountFields, type SealedColumns } from './account-fields.ts';

const BATCH_SIZE = 200;

interface Sealing {
  id: string;
  columns: SealedColumns;
}

/**
 * Seals the name, phone number and e-mail address of rows written before
 * identity sealed them (`fields_sealed = 0`), batch by batch in id order,
 * and clears the plaintext in the same statement. A row is written only
 * while still unsealed, so processes starting together, or an operator
 * changing the account meanwhile, never lose a value. Returns the number of
 * rows sealed.
 */
export async function sealPlaintextAccounts(
  store: Store,
  fields: AccountFields,
  onError: (err: unknown) => void,
): Promise<number> {
  let sealed = 0;
  let after = '';
  for (;;) {
    const rows = await store.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE fields_sealed = 0 AND id > $1 ORDER BY id LIMIT ${BATCH_SIZE}`,
      [after],
    );
    if (rows.length === 0) return sealed;
    after = rows.at(-1)!.id;
    const batch: Sealing[] = [];
    for (const row of rows) {
      batch.push({
        id: row.id,
        columns: await fields.seal(row.id, { name: row.name, phone: row.phone, email: row.email }),
      });
    }
    try {
      sealed += await store.transaction(async (tx) => {
        let written = 0;
        for (const row of batch) written += await write(tx, row);
        return written;
      });
    } catch (err) {
      if (!isStoreError(err, 'ERR_STORE_CONFLICT')) throw err;
      // Two old rows whose values now normalize alike: one by one, so the clash holds back no other row.
      for (const row of batch) sealed += await writeAlone(store, row, onError);
    }
  }
}

function write(db: Queryable, row: Sealing): Promise<number> {
  const value = (column: string) => row.columns.get(column) ?? null;
  return db.exec(
    `UPDATE accounts SET name = $2, phone = $3, phone_index = $4, email = $5, email_index = $6, fields_sealed = 1
     WHERE id = $1 AND fields_sealed = 0`,
    [row.id, value('name'), value('phone'), value('phone_index'), value('email'), value('email_index')],
  );
}

/** Writes one row; an index another account holds is left out, and the clash reported. */
async function writeAlone(store: Store, row: Sealing, onError: (err: unknown) => void): Promise<number> {
  try {
    return await write(store, row);
  } catch (err) {
    if (!isStoreError(err, 'ERR_STORE_CONFLICT')) throw err;
  }
  for (const kind of IDENTIFIER_KINDS) {
    const { indexColumn } = IDENTIFIERS[kind];
    const index = row.columns.get(indexColumn);
    if (index === undefined || index === null) continue;
    const holder = await store.maybeOne<{ id: string }>(
      `SELECT id FROM accounts WHERE ${indexColumn} = $1 AND id <> $2`,
      [index, row.id],
    );
    if (!holder) continue;
    row.columns.set(indexColumn, null);
    onError(
      new IdentityError(
        'ERR_ACCOUNT_EXISTS',
        `account ${row.id} has the same ${kind} as account ${holder.id}: sealed without its index, so it cannot sign in with it until an operator changes one of them`,
      ),
    );
  }
  return write(store, row);
}
