import { createHash, timingSafeEqual } from 'node:crypto';
import type { Transaction } from '@onegate/store';
import { AuditError } from '../errors.ts';

/** Where an earlier call with the same key put its batch. */
export interface AppendResult {
  /** Index of the batch's first entry. */
  first: number;
  count: number;
  /** Set when an idempotency key showed the batch was already in the log: nothing new was appended. */
  replayed?: true;
}

interface StoredKey {
  first: number;
  count: number;
  digest: Buffer;
}

const MAX_KEY_LENGTH = 200;

export function checkIdempotencyKey(key: string | undefined, client: string | undefined): void {
  for (const [name, value] of [
    ['idempotencyKey', key],
    ['client', client],
  ] as const) {
    if (
      value !== undefined &&
      (typeof value !== 'string' || value.length < 1 || value.length > MAX_KEY_LENGTH)
    ) {
      throw new AuditError('ERR_AUDIT_INVALID', `${name} must be 1 to ${MAX_KEY_LENGTH} characters`);
    }
  }
}

/** What a retry must repeat exactly: the number of leaves and each leaf hash, in order. */
export function batchDigest(leafHashes: readonly Buffer[]): Buffer {
  const hash = createHash('sha256').update('onegate-audit-batch-v1\n');
  const count = Buffer.alloc(8);
  count.writeBigUInt64BE(BigInt(leafHashes.length));
  hash.update(count);
  for (const leafHash of leafHashes) hash.update(leafHash);
  return hash.digest();
}

export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function conflict(): AuditError {
  return new AuditError('ERR_AUDIT_CONFLICT', 'this idempotency key was used for a different batch');
}

export async function findKey(tx: Transaction, client: string, key: string): Promise<StoredKey | undefined> {
  const row = await tx.maybeOne<{ first_idx: number; count: number; digest: Buffer }>(
    'SELECT first_idx, count, digest FROM audit_idempotency WHERE client = $1 AND key = $2',
    [client, key],
  );
  return row && { first: Number(row.first_idx), count: Number(row.count), digest: row.digest };
}

export async function recordKey(
  tx: Transaction,
  client: string,
  key: string,
  stored: StoredKey,
  at: number,
): Promise<void> {
  await tx.exec(
    'INSERT INTO audit_idempotency (client, key, first_idx, count, digest, at) VALUES ($1, $2, $3, $4, $5, $6)',
    [client, key, stored.first, stored.count, stored.digest, at],
  );
}
