import { createHmac, generateKeySync } from 'node:crypto';
import type { AuditEvent } from '@onegate/audit';
import { describe, expect, it } from 'vitest';
import { accessPage } from '../src/account/data-access-listing.ts';
import type { DataAccessReader, LoggedAccess } from '../src/account/data-access-reader.ts';
import { isAccess } from '../src/account/data-access-rule.ts';
import { dataSubjects } from '../src/account/data-access-subjects.ts';
import { accessViews, maskStaffId } from '../src/account/data-access-view.ts';

const KEY = generateKeySync('hmac', { length: 256 });
const CITIZEN = '5b0c1c6e-0000-4000-8000-00000000c1t1';
const OTHER = '5b0c1c6e-0000-4000-8000-0000000other';
const CLERK = '9a9a9a9a-0000-4000-8000-00000000ab12';
const APP = 'og_civil_affairs_backend';

/** What the provider gives an app registered with a pairwise subject (create-provider.ts). */
const providerSub = (clientId: string, accountId: string) =>
  createHmac('sha256', KEY).update(`${clientId}\0${accountId}`).digest('base64url');

describe('the data subjects of a citizen', () => {
  it("are their account id and the pairwise id each app knows them by, and none of anyone else's", () => {
    const subjects = dataSubjects(CITIZEN, ['og_a', 'og_b'], KEY);
    expect(subjects).toEqual([CITIZEN, providerSub('og_a', CITIZEN), providerSub('og_b', CITIZEN)]);
    expect(subjects).not.toContain(OTHER);
    expect(subjects).not.toContain(providerSub('og_a', OTHER));
    expect(subjects[1]).not.toBe(subjects[2]);
  });
});

let at = Date.parse('2026-05-02T06:00:00Z');
function event(
  e: Partial<AuditEvent> & Pick<AuditEvent, 'action'>,
  by = 'onegate',
  gapMs = 1000,
): AuditEvent {
  at += gapMs;
  const time = new Date(at).toISOString();
  return {
    v: 1,
    time,
    actor: { type: 'user', id: CLERK },
    outcome: 'success',
    recorded: { at: time, by },
    ...e,
  };
}

const field = 'civil-affairs/residents/r-1001/id_number';
/** One unmask as the demo app makes it: OneGate's decrypt, then the app's own event. */
function unmask(subject = CITIZEN): AuditEvent[] {
  return [
    event({
      action: 'privacy.decrypt',
      target: { resource: field, subject },
      source: { clientId: APP },
      purpose: 'identity-verification',
      details: { collection: 'civil-affairs/residents', row: 'r-1001', field: 'id_number' },
    }),
    event(
      {
        action: 'record.unmask',
        target: { resource: field, subject },
        purpose: 'identity-verification',
      },
      APP,
    ),
  ];
}

/** A log in memory that answers like the server's reader: by subject, newest first. */
function readerOf(events: AuditEvent[]): DataAccessReader {
  const log: LoggedAccess[] = events.map((e, index) => ({ index, event: e }));
  return {
    async eventsAbout(subjects, page) {
      const about = log
        .filter((l) => subjects.includes(l.event.target?.subject ?? ''))
        .filter((l) => page.before === undefined || l.index < page.before)
        .reverse();
      const events = about.slice(0, page.limit);
      return about.length > page.limit ? { events, nextBefore: events.at(-1)!.index } : { events };
    },
    event: async (index) => log[index]?.event,
  };
}

describe('what counts as an access', () => {
  const subjects = new Set([CITIZEN]);

  it("is OneGate's decrypt and an app's event about the citizen, not their own sign-in or anyone else's data", () => {
    const [decrypt, appEvent] = unmask();
    expect(isAccess(decrypt!, subjects)).toBe(true);
    expect(isAccess(appEvent!, subjects)).toBe(true);
    expect(
      isAccess(
        event({ action: 'login', actor: { type: 'user', id: CITIZEN }, target: { subject: CITIZEN } }),
        subjects,
      ),
    ).toBe(false);
    // OneGate's other events naming them (a token, a decision) are not accesses.
    expect(isAccess(event({ action: 'token.issue', target: { subject: CITIZEN } }), subjects)).toBe(false);
    // The citizen using a self-service app themselves.
    expect(
      isAccess(
        event(
          { action: 'record.read', actor: { type: 'user', id: CITIZEN }, target: { subject: CITIZEN } },
          APP,
        ),
        subjects,
      ),
    ).toBe(false);
    expect(isAccess(unmask(OTHER)[0]!, subjects)).toBe(false);
  });

  it('shows a decrypt and the app’s own record of it as one access, newest first, paged without repeats', async () => {
    const log = [
      ...unmask(),
      event({ action: 'login', actor: { type: 'user', id: CITIZEN }, target: { subject: CITIZEN } }),
      ...unmask(OTHER),
      ...unmask(),
      ...unmask(),
    ];
    const reader = readerOf(log);
    const first = await accessPage(reader, [CITIZEN], { limit: 2 });
    expect(first.accesses.map((a) => a.index)).toEqual([7, 5]);
    expect(first.accesses.every((a) => a.appEvent?.action === 'record.unmask')).toBe(true);
    const second = await accessPage(reader, [CITIZEN], { before: first.nextBefore, limit: 2 });
    expect(second.accesses.map((a) => a.index)).toEqual([0]);
    expect(second.nextBefore).toBeUndefined();
  });

  it('keeps an app event with no decrypt beside it as an access of its own', async () => {
    const read = event(
      { action: 'record.read', target: { resource: 'tax/r-9', subject: CITIZEN } },
      APP,
      10 * 60_000,
    );
    const { accesses } = await accessPage(readerOf([...unmask(), read]), [CITIZEN], { limit: 10 });
    expect(accesses.map((a) => [a.index, a.event.action])).toEqual([
      [2, 'record.read'],
      [0, 'privacy.decrypt'],
    ]);
  });
});

describe('how an access is shown', () => {
  it('names the app and department, and the official only masked', async () => {
    const [decrypt, appEvent] = unmask();
    const [view] = await accessViews([{ index: 4, event: decrypt!, appEvent }], {
      client: async (id) =>
        id === APP ? { name: 'Civil Affairs Records', department: 'civil-affairs' } : undefined,
      account: async (id) => (id === CLERK ? { username: 'wang.fang', name: '王芳' } : undefined),
    });
    expect(view).toMatchObject({
      app: 'Civil Affairs Records',
      department: 'civil-affairs',
      officialName: '王*',
      officialId: 'wang.*** …ab12',
      field: 'id_number',
      purpose: 'identity-verification',
      outcome: 'success',
    });
    expect(JSON.stringify(view)).not.toContain('王芳');
    expect(JSON.stringify(view)).not.toContain(CLERK);
    expect(maskStaffId('og_x1234', undefined)).toBe('…1234');
  });
});
