import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthzService, authzMigrations } from '@onegate/authz';
import { engines, eventually } from '@onegate/store/testing';
import { withAuthz } from '../src/context.ts';
import { auditRows } from './audit-rows.ts';
import { cliDatabase, type CliDatabase } from './run-onegate.ts';

/** What `onegate policy load` does with a policy set it read from files. */
const policy = {
  departments: [{ id: 'tax', name: 'Tax Bureau' }],
  roles: [{ department: 'tax', name: 'officer' }],
  assignments: [{ subject: 'zhou.tax', department: 'tax', role: 'officer' }],
  rules: [{ id: 'tax-read', department: 'tax', role: 'officer', resources: ['tax/*'], actions: ['read'] }],
};

describe.each(engines)('withAuthz (%s)', (engine) => {
  let db: CliDatabase;
  let saved: NodeJS.ProcessEnv;

  beforeEach(async () => {
    db = await cliDatabase(engine);
    saved = { ...process.env };
    Object.assign(process.env, db.env);
  });
  afterEach(async () => {
    process.env = saved;
    await db.drop();
  });

  it('replaces the stored policy as the operator, audited, and a running server follows', async () => {
    // A server already running on the database.
    const serverStore = await db.open();
    await serverStore.migrate(authzMigrations);
    const running = await AuthzService.create({
      store: serverStore,
      audit: { write: async () => undefined },
    });
    await running.start();

    let counts: unknown;
    await withAuthz(async ({ authz }) => {
      counts = await authz.replace(policy, 'operator');
    });
    expect(counts).toMatchObject({ before: { departments: 0 }, after: { departments: 1, rules: 1 } });

    const events = await auditRows(serverStore, 'authz.policy_replace');
    expect(events.map(({ actor, outcome }) => ({ actor, outcome }))).toEqual([
      { actor: 'operator', outcome: 'success' },
    ]);
    await eventually(() => running.engine.department('tax') !== undefined, 1000);
    await running.stop();
  });
});
