import type { Store } from '@onegate/store';
import type { AuthzAuditEvent, AuthzAuditSink } from '../src/authz-audit.ts';
import { authzMigrations } from '../src/authz-migrations.ts';
import { AuthzService } from '../src/authz-service.ts';

export const DAY = 86_400_000;
export const NOW = Date.parse('2026-12-01T00:00:00Z');

/** Keeps every event, as the store-backed sink would have committed it. */
export class RecordingSink implements AuthzAuditSink {
  readonly events: AuthzAuditEvent[] = [];

  async write(event: AuthzAuditEvent): Promise<void> {
    this.events.push(structuredClone(event));
  }

  of(action: string): AuthzAuditEvent[] {
    return this.events.filter((e) => e.action === action);
  }
}

/** A clock the test moves. */
export function testClock(start = NOW): { now: () => number; advance: (ms: number) => void } {
  let at = start;
  return { now: () => at, advance: (ms) => (at += ms) };
}

export async function startService(
  store: Store,
  options: { clock?: () => number; auditAllowSampleRate?: number; audit?: RecordingSink } = {},
): Promise<{ authz: AuthzService; audit: RecordingSink }> {
  await store.migrate(authzMigrations);
  const audit = options.audit ?? new RecordingSink();
  const authz = await AuthzService.create({
    store,
    audit,
    clock: options.clock ?? (() => NOW),
    ...(options.auditAllowSampleRate === undefined
      ? {}
      : { auditAllowSampleRate: options.auditAllowSampleRate }),
    onError: (err) => {
      throw err;
    },
  });
  await authz.start();
  return { authz, audit };
}

/**
 * Civil affairs of Hangzhou, with records a clerk reads and a sealed-adoption
 * folder only adoption officers see; public security's investigators; a rule
 * that needs a substantial sign-in. Built through the service, as an
 * administrator would.
 */
export async function buildSamplePolicy(authz: AuthzService, actor = 'admin-a'): Promise<void> {
  await authz.putDepartment({ id: 'civil-affairs', name: 'Provincial Civil Affairs' }, actor);
  await authz.putDepartment(
    { id: 'civil-affairs-hz', name: 'Hangzhou Civil Affairs', parent: 'civil-affairs' },
    actor,
  );
  await authz.putDepartment({ id: 'public-security', name: 'Public Security' }, actor);
  await authz.putRole({ department: 'civil-affairs-hz', name: 'clerk' }, actor);
  await authz.putRole({ department: 'civil-affairs-hz', name: 'adoption-officer' }, actor);
  await authz.putRole({ department: 'public-security', name: 'investigator' }, actor);
  await authz.assign({ subject: 'wang.clerk', department: 'civil-affairs-hz', role: 'clerk' }, actor);
  await authz.assign({ subject: 'sun.police', department: 'public-security', role: 'investigator' }, actor);
  await authz.putRule(
    {
      id: 'hz-clerk-read',
      department: 'civil-affairs-hz',
      role: 'clerk',
      resources: ['civil-affairs-hz/*'],
      actions: ['read'],
    },
    actor,
  );
  await authz.putRule(
    {
      id: 'hz-clerk-certify',
      department: 'civil-affairs-hz',
      role: 'clerk',
      resources: ['civil-affairs-hz/marriage-records/*'],
      actions: ['certify'],
      minAcr: 'substantial',
    },
    actor,
  );
  await authz.putRule(
    {
      id: 'hz-sealed-adoptions',
      department: 'civil-affairs-hz',
      role: '*',
      except: 'adoption-officer',
      resources: ['civil-affairs-hz/adoption-records/*'],
      actions: ['*'],
      effect: 'deny',
    },
    actor,
  );
}

/** The data-sharing agreement of the scenario: public security reads Hangzhou marriage records for investigations. */
export function sharingAgreement(id = 'ca-ps-marriage') {
  return {
    id,
    fromDepartment: 'civil-affairs-hz',
    toDepartment: 'public-security',
    toRole: 'investigator',
    resources: ['civil-affairs-hz/marriage-records/*', 'civil-affairs-hz/adoption-records/*'],
    actions: ['read'],
    purposes: ['criminal-investigation'],
    notBefore: NOW - DAY,
    expiresAt: NOW + 30 * DAY,
    reason: 'Case 2026-118: verifying declared marital status',
  };
}
