import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, type TestDatabase } from '@onegate/store/testing';
import {
  isPrivacyError,
  PrivacyError,
  privacyMigrations,
  PrivacyService,
  type DecryptCheck,
  type KeyAuditEvent,
  type Keyring,
  type PrivacyCaller,
} from '../src/index.ts';
import { newKek, rejected, startKeyring } from './keyring-support.ts';

const app: PrivacyCaller = { clientId: 'records-app', scopes: ['privacy:encrypt', 'privacy:decrypt'] };
const place = { collection: 'health-bureau/patients', row: 'p-1', field: 'diagnosis' };

/** The service on its own, with an authorizer and an audit log the test controls. */
describe('PrivacyService', () => {
  let db: TestDatabase;
  let store: Store;
  let keyring: Keyring;
  const events: KeyAuditEvent[] = [];
  let auditFails = false;
  const asked: DecryptCheck[] = [];
  const service = () =>
    new PrivacyService({
      keyring,
      audit: {
        write: async (event) => {
          if (auditFails) throw new Error('disk full');
          events.push(event);
        },
      },
      authorize: async (checks) => {
        asked.push(...checks);
        return checks.map((c) => ({ allowed: c.actor !== 'intruder', reason: 'no-matching-rule' }));
      },
    });

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    store = await db.open();
    await store.migrate(privacyMigrations);
    ({ keyring } = await startKeyring(store, newKek()));
  });
  afterAll(async () => {
    await keyring.stop();
    await store.close();
    await db.drop();
  });

  async function sealOne(value: string, extra: Record<string, unknown> = {}): Promise<string> {
    const { results } = await service().encrypt({ items: [{ value, ...place, ...extra }] }, app);
    return results[0]!.ciphertext;
  }

  const decrypt = (ciphertext: string, extra: Record<string, unknown> = {}, caller = app) =>
    service().decrypt(
      {
        purpose: 'treatment',
        actor: 'dr-li',
        acr: 'substantial',
        items: [{ ciphertext, ...place }],
        ...extra,
      },
      caller,
    );

  it('asks authorization for the field of the record, for the actor, purpose and sign-in level', async () => {
    const ciphertext = await sealOne('hypertension');
    asked.length = 0;
    const { results } = await decrypt(ciphertext, { acr: 'substantial' });
    expect(results).toEqual([{ value: 'hypertension' }]);
    expect(asked).toEqual([
      {
        actor: 'dr-li',
        resource: 'health-bureau/patients/p-1/diagnosis',
        purpose: 'treatment',
        acr: 'substantial',
      },
    ]);
  });

  it('shows nothing when the decrypt cannot be audited', async () => {
    const ciphertext = await sealOne('diabetes');
    auditFails = true;
    try {
      const err = await rejected(decrypt(ciphertext));
      expect(isPrivacyError(err, 'ERR_PRIVACY_UNAVAILABLE')).toBe(true);
      expect(String((err as Error).message)).not.toContain('diabetes');
    } finally {
      auditFails = false;
    }
  });

  it('takes the signed-in person of the token as the actor, and refuses an app naming someone else for them', async () => {
    const ciphertext = await sealOne('asthma');
    const person = { ...app, accountId: 'dr-wu', acr: 'urn:onegate:acr:high' };
    asked.length = 0;
    await service().decrypt({ purpose: 'treatment', items: [{ ciphertext, ...place }] }, person);
    expect(asked[0]).toMatchObject({ actor: 'dr-wu', acr: 'high' });
    const err = await rejected(decrypt(ciphertext, { actor: 'dr-li', acr: undefined }, person));
    expect(isPrivacyError(err, 'ERR_PRIVACY_INVALID')).toBe(true);
  });

  it('believes only the token about a person’s own sign-in: a body acr is refused, a token without one is too weak', async () => {
    const ciphertext = await sealOne('migraine');
    const password = { ...app, accountId: 'dr-wu', acr: 'urn:onegate:acr:low' };
    const claimed = await rejected(
      service().decrypt({ purpose: 'treatment', acr: 'high', items: [{ ciphertext, ...place }] }, password),
    );
    expect(isPrivacyError(claimed, 'ERR_PRIVACY_INVALID')).toBe(true);
    for (const caller of [password, { ...app, accountId: 'dr-wu' }]) {
      const weak = await rejected(
        service().decrypt({ purpose: 'treatment', items: [{ ciphertext, ...place }] }, caller),
      );
      expect(isPrivacyError(weak, 'ERR_PRIVACY_INSUFFICIENT_AUTHENTICATION')).toBe(true);
    }
  });

  it('refuses a person below the sign-in floor, but not an app acting for itself', async () => {
    const ciphertext = await sealOne('eczema');
    const err = await rejected(decrypt(ciphertext, { acr: 'low' }));
    expect(isPrivacyError(err, 'ERR_PRIVACY_INSUFFICIENT_AUTHENTICATION')).toBe(true);
    const { results } = await service().decrypt(
      { purpose: 'treatment', items: [{ ciphertext, ...place }] },
      app,
    );
    expect(results).toEqual([{ value: 'eczema' }]);
  });

  it('counts an app’s decrypts per minute and lets it go on in the next minute', async () => {
    let now = Date.UTC(2026, 10, 27, 9, 0, 10);
    const audited: Array<{ outcome: string; reason?: string }> = [];
    const limited = new PrivacyService({
      keyring,
      audit: { write: async (event) => void audited.push(event) },
      limits: { perClientPerMinute: 3 },
      clock: () => now,
    });
    const ciphertext = await sealOne('cold');
    const body = (n: number) => ({
      purpose: 'treatment',
      items: Array.from({ length: n }, () => ({ ciphertext, ...place })),
    });
    await limited.decrypt(body(2), app);
    const err = await rejected(limited.decrypt(body(2), app));
    expect(isPrivacyError(err, 'ERR_PRIVACY_RATE_LIMITED')).toBe(true);
    // 10 s into the minute: 50 s until it ends.
    expect((err as PrivacyError).retryAfterSeconds).toBe(50);
    const refusals = () => audited.filter((e) => e.reason === 'rate-limited').length;
    expect(refusals()).toBe(2);
    // The refused batch took nothing: one value is still allowed this minute, and no more.
    expect((await limited.decrypt(body(1), app)).results).toHaveLength(1);
    for (let i = 0; i < 5; i++) {
      expect(isPrivacyError(await rejected(limited.decrypt(body(2), app)), 'ERR_PRIVACY_RATE_LIMITED')).toBe(
        true,
      );
    }
    // Only the minute's first refusal is audited (one event per item): hammering the limit cannot flood the log.
    expect(refusals()).toBe(2);
    now += 60_000;
    expect((await limited.decrypt(body(3), app)).results).toHaveLength(3);
  });

  it('acts as the app itself when it names no one', async () => {
    const ciphertext = await sealOne('flu');
    asked.length = 0;
    await service().decrypt({ purpose: 'treatment', items: [{ ciphertext, ...place }] }, app);
    expect(asked[0]!.actor).toBe('records-app');
  });

  it('refuses a whole batch when any item is refused, and audits each refused item', async () => {
    const ciphertext = await sealOne('measles');
    const before = events.length;
    const err = await rejected(decrypt(ciphertext, { actor: 'intruder' }));
    expect(isPrivacyError(err, 'ERR_PRIVACY_FORBIDDEN')).toBe(true);
    expect(events.slice(before)).toMatchObject([
      { action: 'privacy.decrypt', outcome: 'denied', actor: 'intruder', reason: 'no-matching-rule' },
    ]);
  });

  it('names the data subject from their own key, and refuses an app that names another', async () => {
    const ciphertext = await sealOne('fracture', { subject: 'patient-77' });
    const before = events.length;
    await decrypt(ciphertext);
    expect(events.slice(before)).toMatchObject([{ outcome: 'success', subject: 'patient-77' }]);
    const err = await rejected(
      service().decrypt(
        { purpose: 'treatment', items: [{ ciphertext, ...place, subject: 'patient-78' }] },
        app,
      ),
    );
    expect(isPrivacyError(err, 'ERR_PRIVACY_INVALID')).toBe(true);
  });

  it('keeps opening values sealed before a rotation, and seals new ones under the new primary', async () => {
    const old = await sealOne('gout');
    await keyring.rotate('health-bureau.patients.diagnosis', 'test');
    const fresh = await sealOne('gout');
    expect(old).toMatch(/:1:/);
    expect(fresh).toMatch(/:2:/);
    expect((await decrypt(old)).results).toEqual([{ value: 'gout' }]);
    expect((await decrypt(fresh)).results).toEqual([{ value: 'gout' }]);
  });

  it('refuses an app naming the blind-index root or a subject key as its field key', async () => {
    for (const keyId of [
      'blind-index-root',
      'subject.patient-1',
      'identity.accounts.phone',
      'audit.checkpoint_keys.private_key',
    ]) {
      const err = await rejected(service().encrypt({ items: [{ value: 'x', ...place, keyId }] }, app));
      expect(isPrivacyError(err, 'ERR_PRIVACY_INVALID')).toBe(true);
    }
  });

  it('needs privacy:encrypt to encrypt or index', async () => {
    const reader = { clientId: 'viewer', scopes: ['privacy:decrypt'] };
    for (const call of [
      () => service().encrypt({ items: [{ value: 'x', ...place }] }, reader),
      () =>
        service().blindIndex(
          { items: [{ value: 'x', collection: place.collection, field: 'name' }] },
          reader,
        ),
    ]) {
      expect(isPrivacyError(await rejected(call()), 'ERR_PRIVACY_FORBIDDEN')).toBe(true);
    }
  });
});
