import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { MigrationSet, Queryable, Store } from '@onegate/store';
import { IdentityError } from '../errors.ts';

/** Brute-force limits. Counts are failed sign-ins; times are seconds. */
export interface LoginThrottlePolicy {
  /** Consecutive failures an account may have before each further attempt must wait. */
  delayAfterFailures: number;
  /** The first wait; each further failure doubles it. */
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  /** At this many consecutive failures the account is locked; after the lock ends, each further failure locks it again. */
  lockAfterFailures: number;
  lockSeconds: number;
  /** An account's failures are forgotten this long after the last one. */
  forgetAfterSeconds: number;
  /** This many failures from one address (IPv4 address, IPv6 /64) within the window block it. */
  addressMaxFailures: number;
  addressWindowSeconds: number;
  addressBlockSeconds: number;
}

export const DEFAULT_LOGIN_THROTTLE_POLICY: Readonly<LoginThrottlePolicy> = Object.freeze({
  delayAfterFailures: 5,
  firstDelaySeconds: 1,
  maxDelaySeconds: 15 * 60,
  lockAfterFailures: 10,
  lockSeconds: 15 * 60,
  forgetAfterSeconds: 24 * 60 * 60,
  addressMaxFailures: 50,
  addressWindowSeconds: 15 * 60,
  addressBlockSeconds: 15 * 60,
});

export type ThrottleReason = 'account_locked' | 'account_delay' | 'address_blocked';

export type ThrottleDecision =
  | { allowed: true }
  | {
      allowed: false;
      reason: ThrottleReason;
      /** Whole seconds, at least 1: what a `Retry-After` header or the page says. */
      retryAfterSeconds: number;
    };

/** What the caller audits after a failed sign-in. */
export interface LoginFailureOutcome {
  /** The account is now locked, and no earlier failure has reported this lock. */
  locked: boolean;
  /** The source address is now blocked, and no earlier failure has reported this block. */
  addressBlocked: boolean;
  /** The account's consecutive failures, this one included. */
  accountFailures: number;
}

export interface LoginAttemptInput {
  /** The account id, or the typed username when no account has it: unknown names are throttled alike. */
  accountKey: string;
  /** The client's IP address as the server sees it. */
  address: string;
  /** Epoch milliseconds; defaults to the clock. */
  now?: number;
}

export const throttleMigrations: MigrationSet = {
  owner: 'identity-throttle',
  migrations: [
    {
      version: 1,
      name: 'account and address failure counters',
      // BIGINT is 64-bit on PostgreSQL and has INTEGER affinity on SQLite, so one script serves both.
      up: `CREATE TABLE identity_throttle_accounts (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL,
  lock_reported INTEGER NOT NULL
);
CREATE INDEX identity_throttle_accounts_last_failure ON identity_throttle_accounts (last_failure_at);
CREATE TABLE identity_throttle_addresses (
  key TEXT PRIMARY KEY,
  failure_times TEXT NOT NULL,
  last_failure_at BIGINT NOT NULL,
  blocked_until BIGINT NOT NULL,
  block_reported INTEGER NOT NULL
);
CREATE INDEX identity_throttle_addresses_last_failure ON identity_throttle_addresses (last_failure_at);`,
    },
  ],
};

interface AccountRow {
  failures: number;
  last_failure_at: number;
  locked_until: number;
}

interface AddressRow {
  /** Comma-separated epoch ms of the failures within the window, oldest first. */
  failure_times: string;
  last_failure_at: number;
  blocked_until: number;
  block_reported: number;
}

/**
 * Brute-force protection shared by every process through the store: per
 * account, growing delays then a lock; per source address, a block after many
 * failures across accounts.
 *
 * Pair every allowed `check` with one `recordFailure` or `recordSuccess`.
 * `check` counts the attempt as a failure already, in the transaction that
 * decides, and `recordSuccess` takes that back: counting only after the
 * password was checked would let a burst of parallel guesses all pass the
 * check before any of them was counted. An attempt that never reports back
 * (the process died) stays counted as a failure.
 */
export class LoginThrottle {
  readonly policy: Readonly<LoginThrottlePolicy>;
  readonly #store: Store;

  constructor(store: Store, policy: Partial<LoginThrottlePolicy> = {}) {
    this.#store = store;
    this.policy = Object.freeze(checkPolicy({ ...DEFAULT_LOGIN_THROTTLE_POLICY, ...definedOnly(policy) }));
  }

  /** Call once per sign-in, before checking the password; check the password only if allowed. */
  async check(input: LoginAttemptInput): Promise<ThrottleDecision> {
    const now = input.now ?? Date.now();
    const accountRow = accountRowKey(input.accountKey);
    const addressRow = addressRowKey(input.address);
    // Refusals, the bulk of an attack, cost two reads and no write.
    const seen = this.#refusal(
      await this.#store.maybeOne<AccountRow>(SELECT_ACCOUNT, [accountRow]),
      await this.#store.maybeOne<AddressRow>(SELECT_ADDRESS, [addressRow]),
      now,
    );
    if (seen) return seen;
    return this.#store.transaction(async (tx): Promise<ThrottleDecision> => {
      // Always account, then address: two transactions never wait on each other crosswise.
      const account = await lockAccount(tx, accountRow);
      const address = await lockAddress(tx, addressRow);
      const refusal = this.#refusal(account, address, now);
      if (refusal) return refusal;

      const failures = this.#accountFailures(account, now) + 1;
      if (failures >= this.policy.lockAfterFailures) {
        await tx.exec(
          `UPDATE identity_throttle_accounts SET failures = $2, last_failure_at = $3, locked_until = $4, lock_reported = 0
           WHERE key = $1`,
          [accountRow, failures, now, now + this.policy.lockSeconds * 1000],
        );
      } else {
        await tx.exec(
          'UPDATE identity_throttle_accounts SET failures = $2, last_failure_at = $3 WHERE key = $1',
          [accountRow, failures, now],
        );
      }

      const times = [...this.#recentFailureTimes(address, now), now];
      if (times.length >= this.policy.addressMaxFailures) {
        await tx.exec(
          `UPDATE identity_throttle_addresses SET failure_times = $2, last_failure_at = $3, blocked_until = $4, block_reported = 0
           WHERE key = $1`,
          [addressRow, times.join(','), now, now + this.policy.addressBlockSeconds * 1000],
        );
      } else {
        await tx.exec(
          'UPDATE identity_throttle_addresses SET failure_times = $2, last_failure_at = $3 WHERE key = $1',
          [addressRow, times.join(','), now],
        );
      }
      return { allowed: true };
    });
  }

  /**
   * The password was wrong (or the account unknown or disabled). `check` has
   * counted the failure; this reports what it caused. Each lock and each block
   * is reported by exactly one failure, so it is audited once.
   */
  async recordFailure(input: LoginAttemptInput): Promise<LoginFailureOutcome> {
    const now = input.now ?? Date.now();
    const accountRow = accountRowKey(input.accountKey);
    const locked = await this.#store.exec(
      'UPDATE identity_throttle_accounts SET lock_reported = 1 WHERE key = $1 AND locked_until > $2 AND lock_reported = 0',
      [accountRow, now],
    );
    const addressBlocked = await this.#store.exec(
      'UPDATE identity_throttle_addresses SET block_reported = 1 WHERE key = $1 AND blocked_until > $2 AND block_reported = 0',
      [addressRowKey(input.address), now],
    );
    const account = await this.#store.maybeOne<AccountRow>(SELECT_ACCOUNT, [accountRow]);
    return {
      locked: locked > 0,
      addressBlocked: addressBlocked > 0,
      accountFailures: Number(account?.failures ?? 0),
    };
  }

  /**
   * The password was right: the account starts over (lock and delays lifted).
   * The address keeps its other failures and only loses the one `check`
   * counted for this attempt; leave `address` out when no `check` came first
   * (an operator reset the password).
   */
  async recordSuccess(input: {
    accountKey: string;
    address?: string | undefined;
    now?: number;
  }): Promise<void> {
    const now = input.now ?? Date.now();
    const accountRow = accountRowKey(input.accountKey);
    if (input.address === undefined) {
      await this.#store.exec('DELETE FROM identity_throttle_accounts WHERE key = $1', [accountRow]);
      return;
    }
    const addressRow = addressRowKey(input.address);
    await this.#store.transaction(async (tx) => {
      await tx.exec('DELETE FROM identity_throttle_accounts WHERE key = $1', [accountRow]);
      const address = await lockAddress(tx, addressRow);
      const times = parseTimes(address.failure_times);
      // This attempt's own entry if `now` is the one given to `check`, else the latest.
      const own = times.lastIndexOf(now);
      if (times.length > 0) times.splice(own === -1 ? times.length - 1 : own, 1);
      let blockedUntil = Number(address.blocked_until);
      // A block no failure has reported yet was set by counting this very attempt, which succeeded.
      const recent = times.filter((at) => at > now - this.policy.addressWindowSeconds * 1000);
      if (
        blockedUntil > now &&
        Number(address.block_reported) === 0 &&
        recent.length < this.policy.addressMaxFailures
      ) {
        blockedUntil = 0;
      }
      if (times.length === 0 && blockedUntil <= now) {
        await tx.exec('DELETE FROM identity_throttle_addresses WHERE key = $1', [addressRow]);
      } else {
        await tx.exec(
          'UPDATE identity_throttle_addresses SET failure_times = $2, blocked_until = $3 WHERE key = $1',
          [addressRow, times.join(','), blockedUntil],
        );
      }
    });
  }

  /** Lifts an account's lock and delays, for support staff once they know who is asking. */
  async unlockAccount(accountKey: string): Promise<void> {
    await this.#store.exec('DELETE FROM identity_throttle_accounts WHERE key = $1', [
      accountRowKey(accountKey),
    ]);
  }

  /** Deletes counters that no longer affect any decision; run it periodically. Returns the rows deleted. */
  async prune(now = Date.now()): Promise<number> {
    const accounts = await this.#store.exec(
      'DELETE FROM identity_throttle_accounts WHERE last_failure_at <= $1 AND locked_until <= $2',
      [now - this.policy.forgetAfterSeconds * 1000, now],
    );
    const addresses = await this.#store.exec(
      'DELETE FROM identity_throttle_addresses WHERE last_failure_at <= $1 AND blocked_until <= $2',
      [now - this.policy.addressWindowSeconds * 1000, now],
    );
    return accounts + addresses;
  }

  /** The longest wait that applies; on a tie the lock, then the address block, is named. */
  #refusal(
    account: AccountRow | undefined,
    address: AddressRow | undefined,
    now: number,
  ): Extract<ThrottleDecision, { allowed: false }> | undefined {
    const waits: Array<[ThrottleReason, number]> = [];
    if (account) {
      const lockedUntil = Number(account.locked_until);
      if (lockedUntil > now) waits.push(['account_locked', lockedUntil - now]);
      const failures = this.#accountFailures(account, now);
      if (failures >= this.policy.delayAfterFailures) {
        const delaySeconds = Math.min(
          this.policy.firstDelaySeconds * 2 ** (failures - this.policy.delayAfterFailures),
          this.policy.maxDelaySeconds,
        );
        const next = Number(account.last_failure_at) + delaySeconds * 1000;
        if (next > now) waits.push(['account_delay', next - now]);
      }
    }
    if (address && Number(address.blocked_until) > now) {
      waits.push(['address_blocked', Number(address.blocked_until) - now]);
    }
    let longest: [ThrottleReason, number] | undefined;
    for (const wait of waits) if (!longest || wait[1] > longest[1]) longest = wait;
    if (!longest) return undefined;
    return {
      allowed: false,
      reason: longest[0],
      retryAfterSeconds: Math.max(1, Math.ceil(longest[1] / 1000)),
    };
  }

  #accountFailures(account: AccountRow, now: number): number {
    const forgotten = Number(account.last_failure_at) <= now - this.policy.forgetAfterSeconds * 1000;
    return forgotten ? 0 : Number(account.failures);
  }

  #recentFailureTimes(address: AddressRow, now: number): number[] {
    const since = now - this.policy.addressWindowSeconds * 1000;
    return parseTimes(address.failure_times).filter((at) => at > since);
  }
}

/**
 * The bucket an address is counted in: an IPv4 address as is, an IPv6
 * address by its /64 (one customer's network). IPv4-mapped IPv6 counts as
 * IPv4; anything unparsable shares one bucket, so garbage gains nothing.
 */
export function addressBucket(address: string): string {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  if (isIPv4(text)) return text;
  if (!isIPv6(text)) return 'unparsable';
  const groups = ipv6Groups(text);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high, low] = [groups[6]!, groups[7]!];
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, `::` and a dotted IPv4 tail expanded. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  if (rest === undefined) return front;
  const back = parse(rest);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/**
 * Rows are keyed by a SHA-256 digest, not the username or address: the table
 * holds no personal data in the clear, and keys have a fixed size however long
 * the input. Usernames are compared case-insensitively, like at sign-in.
 */
function accountRowKey(accountKey: string): string {
  return sha256Hex(`account\0${accountKey.normalize('NFC').trim().toLowerCase()}`);
}

function addressRowKey(address: string): string {
  return sha256Hex(`address\0${addressBucket(address)}`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function parseTimes(text: string): number[] {
  return text === '' ? [] : text.split(',').map(Number);
}

const SELECT_ACCOUNT =
  'SELECT failures, last_failure_at, locked_until FROM identity_throttle_accounts WHERE key = $1';
const SELECT_ADDRESS =
  'SELECT failure_times, last_failure_at, blocked_until, block_reported FROM identity_throttle_addresses WHERE key = $1';

/**
 * Reads the row, creating it if missing, and holds its lock until commit. The
 * no-op `DO UPDATE` is what takes PostgreSQL's row lock (SQLite's `BEGIN
 * IMMEDIATE` already serializes writers), so concurrent attempts on one key
 * are decided one after another and none is lost.
 */
async function lockAccount(tx: Queryable, key: string): Promise<AccountRow> {
  return tx.one<AccountRow>(
    `INSERT INTO identity_throttle_accounts (key, failures, last_failure_at, locked_until, lock_reported)
     VALUES ($1, 0, 0, 0, 0)
     ON CONFLICT (key) DO UPDATE SET failures = identity_throttle_accounts.failures
     RETURNING failures, last_failure_at, locked_until`,
    [key],
  );
}

async function lockAddress(tx: Queryable, key: string): Promise<AddressRow> {
  return tx.one<AddressRow>(
    `INSERT INTO identity_throttle_addresses (key, failure_times, last_failure_at, blocked_until, block_reported)
     VALUES ($1, '', 0, 0, 0)
     ON CONFLICT (key) DO UPDATE SET failure_times = identity_throttle_addresses.failure_times
     RETURNING failure_times, last_failure_at, blocked_until, block_reported`,
    [key],
  );
}

/** A setting left `undefined` by a configuration loader keeps its default. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function checkPolicy(policy: LoginThrottlePolicy): LoginThrottlePolicy {
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw new IdentityError(
        'ERR_CONFIG_INVALID',
        `login throttle ${name} must be a whole number of at least 1`,
      );
    }
  }
  return policy;
}
