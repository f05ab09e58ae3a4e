import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LoginThrottle,
  addressBucket,
  throttleMigrations,
  type LoginAttemptInput,
  type ThrottleDecision,
} from '../src/passwords/index.ts';

// The policy under test is the brief's: after 5 consecutive failures an account waits 1 s, 2 s, 4 s …
// (at most 15 min) before each attempt; at 10 it is locked for 15 min; 50 failures from one address
// (IPv4 address, IPv6 /64) within 15 min block it for 15 min; a success resets the account only.
const T0 = Date.UTC(2030, 0, 1);
const MINUTE = 60_000;

function refused(decision: ThrottleDecision) {
  if (decision.allowed) throw new Error('expected the attempt to be refused');
  return decision;
}

/** One wrong password, the way the sign-in service does it: check, then report. */
async function failOnce(throttle: LoginThrottle, input: LoginAttemptInput) {
  expect(await throttle.check(input)).toEqual({ allowed: true });
  return throttle.recordFailure(input);
}

describe.each(engines)('login throttle on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let throttle: LoginThrottle;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(throttleMigrations);
    throttle = new LoginThrottle(store);
  });
  afterAll(() => db.drop());

  it('lets five failures through, then makes each attempt wait 1 s, 2 s, 4 s, 8 s, 16 s', async () => {
    const input = { accountKey: 'account-delays', address: '192.0.2.1' };
    let now = T0;
    for (let i = 1; i <= 5; i++) await failOnce(throttle, { ...input, now });
    const waits: number[] = [];
    for (let i = 6; i <= 10; i++) {
      const refusal = refused(await throttle.check({ ...input, now }));
      expect(refusal.reason).toBe('account_delay');
      waits.push(refusal.retryAfterSeconds);
      now += refusal.retryAfterSeconds * 1000 - 1;
      expect(refused(await throttle.check({ ...input, now })).reason).toBe('account_delay');
      now += 1;
      await failOnce(throttle, { ...input, now });
    }
    expect(waits).toEqual([1, 2, 4, 8, 16]);
  });

  it('locks the account for 15 minutes at the tenth consecutive failure, and reports it once', async () => {
    const input = { accountKey: 'account-lock', address: '192.0.2.2' };
    const outcomes = [];
    let now = T0;
    for (let i = 1; i <= 10; i++) {
      now += 20 * 1000; // longer than any delay before the lock
      outcomes.push(await failOnce(throttle, { ...input, now }));
    }
    expect(outcomes.map((o) => o.locked)).toEqual([...Array<boolean>(9).fill(false), true]);
    expect(outcomes.map((o) => o.accountFailures)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await throttle.check({ ...input, now })).toEqual({
      allowed: false,
      reason: 'account_locked',
      retryAfterSeconds: 15 * 60,
    });
    expect(refused(await throttle.check({ ...input, now: now + 15 * MINUTE - 1 })).reason).toBe(
      'account_locked',
    );
    // After the lock one more try is allowed; failing it locks the account again at once.
    now += 15 * MINUTE;
    expect((await failOnce(throttle, { ...input, now })).locked).toBe(true);
    expect(refused(await throttle.check({ ...input, now })).reason).toBe('account_locked');
  });

  it('starts the account over after a success, also from a lock lifted by an operator', async () => {
    const input = { accountKey: 'account-success', address: '192.0.2.3' };
    let now = T0;
    for (let i = 1; i <= 5; i++) await failOnce(throttle, { ...input, now });
    expect(refused(await throttle.check({ ...input, now })).reason).toBe('account_delay');
    now += 1000;
    expect(await throttle.check({ ...input, now })).toEqual({ allowed: true });
    await throttle.recordSuccess({ ...input, now });
    for (let i = 1; i <= 5; i++) await failOnce(throttle, { ...input, now });
    expect(refused(await throttle.check({ ...input, now })).reason).toBe('account_delay');

    for (let i = 6; i <= 10; i++) {
      now += 20 * 1000;
      await failOnce(throttle, { ...input, now });
    }
    expect(refused(await throttle.check({ ...input, now })).reason).toBe('account_locked');
    await throttle.recordSuccess({ accountKey: input.accountKey, now }); // password reset by an operator
    expect(await throttle.check({ ...input, now })).toEqual({ allowed: true });
  });

  it('throttles a username that has no account, whatever its case', async () => {
    let now = T0;
    for (let i = 1; i <= 5; i++) {
      await failOnce(throttle, {
        accountKey: i % 2 ? 'login:Nobody' : 'login:nobody ',
        address: '192.0.2.4',
        now,
      });
      now += 1;
    }
    expect(
      refused(await throttle.check({ accountKey: 'login:NOBODY', address: '192.0.2.4', now })).reason,
    ).toBe('account_delay');
  });

  it('blocks an address for 15 minutes after 50 failures across different accounts', async () => {
    const address = '198.51.100.7';
    const outcomes = [];
    for (let i = 1; i <= 50; i++) {
      outcomes.push(await failOnce(throttle, { accountKey: `spray-${i}`, address, now: T0 + i * 1000 }));
    }
    expect(outcomes.filter((o) => o.addressBlocked)).toHaveLength(1);
    expect(outcomes[49]!.addressBlocked).toBe(true);
    const now = T0 + 50 * 1000;
    expect(await throttle.check({ accountKey: 'spray-51', address, now })).toEqual({
      allowed: false,
      reason: 'address_blocked',
      retryAfterSeconds: 15 * 60,
    });
    // Other addresses, and the right user from elsewhere, are not affected.
    expect(await throttle.check({ accountKey: 'spray-51', address: '198.51.100.8', now })).toEqual({
      allowed: true,
    });
    expect(await throttle.check({ accountKey: 'spray-51', address, now: now + 15 * MINUTE })).toEqual({
      allowed: true,
    });
  });

  it('counts an IPv6 client by its /64, so rotating the host part does not help', async () => {
    for (let i = 1; i <= 50; i++) {
      await failOnce(throttle, {
        accountKey: `v6-${i}`,
        address: `2001:db8:1:2::${i.toString(16)}`,
        now: T0,
      });
    }
    const decision = await throttle.check({ accountKey: 'v6-51', address: '2001:db8:1:2:ffff::1', now: T0 });
    expect(refused(decision).reason).toBe('address_blocked');
    expect(await throttle.check({ accountKey: 'v6-51', address: '2001:db8:1:3::1', now: T0 })).toEqual({
      allowed: true,
    });
  });

  it("does not reset the address's count on a success", async () => {
    const address = '198.51.100.9';
    for (let i = 1; i <= 49; i++) await failOnce(throttle, { accountKey: `mixed-${i}`, address, now: T0 });
    const good = { accountKey: 'mixed-good', address, now: T0 };
    expect(await throttle.check(good)).toEqual({ allowed: true });
    await throttle.recordSuccess(good);
    expect((await failOnce(throttle, { accountKey: 'mixed-50', address, now: T0 })).addressBlocked).toBe(
      true,
    );
  });

  it('only counts address failures of the last 15 minutes', async () => {
    const address = '198.51.100.10';
    for (let i = 1; i <= 49; i++) await failOnce(throttle, { accountKey: `window-${i}`, address, now: T0 });
    const later = T0 + 15 * MINUTE;
    await failOnce(throttle, { accountKey: 'window-50', address, now: later });
    expect(await throttle.check({ accountKey: 'window-51', address, now: later })).toEqual({ allowed: true });
  });

  it('lets no more than five parallel attempts through on an account before the first delay', async () => {
    const other = await db.open();
    const otherThrottle = new LoginThrottle(other);
    const input = { accountKey: 'account-burst', address: '203.0.113.5', now: T0 };
    const decisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? throttle : otherThrottle).check(input)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
  });

  it('forgets failures a day old, and prunes what no longer matters', async () => {
    const input = { accountKey: 'account-old', address: '203.0.113.6' };
    for (let i = 1; i <= 5; i++) await failOnce(throttle, { ...input, now: T0 });
    const nextDay = T0 + 24 * 60 * MINUTE;
    expect(refused(await throttle.check({ ...input, now: T0 })).reason).toBe('account_delay');
    expect(await throttle.prune(T0)).toBe(0);
    expect(await throttle.prune(nextDay)).toBeGreaterThan(0);
    for (let i = 1; i <= 5; i++) await failOnce(throttle, { ...input, now: nextDay });
  });
});

describe.each(engines)('login throttle across two connections on %s', (engine) => {
  let db: TestDatabase;
  let first: LoginThrottle;
  let second: LoginThrottle;
  // No delays, so only the counts decide: a lost update would show as a missing lock or block.
  const policy = { delayAfterFailures: 1000, lockAfterFailures: 40, addressMaxFailures: 40 };

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    const a = await db.open();
    await a.migrate(throttleMigrations);
    first = new LoginThrottle(a, policy);
    second = new LoginThrottle(await db.open(), policy);
  });
  afterAll(() => db.drop());

  it('loses no account failure recorded concurrently', async () => {
    const input = { accountKey: 'shared-account', address: '192.0.2.50', now: T0 };
    const outcomes = await Promise.all(
      Array.from({ length: 39 }, (_, i) => failOnce(i % 2 ? first : second, input)),
    );
    expect(outcomes.some((o) => o.locked)).toBe(false);
    expect(await first.check(input)).toEqual({ allowed: true });
    expect((await second.recordFailure(input)).locked).toBe(true);
    expect(refused(await second.check(input)).reason).toBe('account_locked');
  });

  it('loses no address failure recorded concurrently', async () => {
    const address = '192.0.2.51';
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        failOnce(i % 2 ? first : second, { accountKey: `user-${i}`, address, now: T0 }),
      ),
    );
    expect(outcomes.filter((o) => o.addressBlocked)).toHaveLength(1);
    expect(refused(await first.check({ accountKey: 'user-40', address, now: T0 })).reason).toBe(
      'address_blocked',
    );
  });
});

describe('address buckets', () => {
  it('keeps IPv4 addresses whole and reads IPv4-mapped IPv6 as IPv4', () => {
    expect(addressBucket('203.0.113.9')).toBe('203.0.113.9');
    expect(addressBucket('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressBucket('::ffff:cb00:7109')).toBe('203.0.113.9');
  });

  it('groups IPv6 addresses by their /64, however they are written', () => {
    const bucket = addressBucket('2001:db8:1:2::1');
    expect(bucket).toBe('2001:db8:1:2::/64');
    for (const same of [
      '2001:0db8:0001:0002:ffff:ffff:ffff:ffff',
      '[2001:db8:1:2::9]',
      '2001:DB8:1:2::1%eth0',
    ]) {
      expect(addressBucket(same)).toBe(bucket);
    }
    expect(addressBucket('2001:db8:1:3::1')).not.toBe(bucket);
  });

  it('puts every unparsable address in one bucket', () => {
    expect(addressBucket('not an address')).toBe(addressBucket(''));
  });
});

describe('login throttle policy', () => {
  it('refuses settings that are not whole numbers of at least 1', async () => {
    const db = await createTestDatabase('sqlite');
    const store = await db.open();
    try {
      expect(() => new LoginThrottle(store, { lockAfterFailures: 0 })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
      );
      expect(() => new LoginThrottle(store, { lockSeconds: 1.5 })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
      );
      expect(new LoginThrottle(store, { lockSeconds: undefined }).policy.lockSeconds).toBe(900);
    } finally {
      await db.drop();
    }
  });
});
