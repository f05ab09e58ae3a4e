import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformClient } from '@onegate/sdk';
import { auditRows } from '../e2e/support/audit-rows.ts';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';
import { platformClient, recordingFetch, serviceClient } from './platform-harness.ts';

const RESIDENTS = 'civil-affairs-hz/residents';
const ID_NUMBER = '11010519491231002X';

describe('the SDK’s privacy client against OneGate', () => {
  let platform: Platform;
  let staffApp: PlatformClient;
  let staffClientId: string;
  let intakeApp: PlatformClient;

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    const staff = await serviceClient(platform, 'Resident registry (staff view)', [
      'privacy:encrypt',
      'privacy:decrypt',
    ]);
    staffClientId = staff.clientId;
    staffApp = platformClient(platform, staff);
    intakeApp = platformClient(platform, await serviceClient(platform, 'Form intake', ['privacy:encrypt']));
    const { authz } = platform.server;
    await authz.putDepartment({ id: 'civil-affairs-hz', name: 'Hangzhou Civil Affairs' }, 'test');
    await authz.putRole({ department: 'civil-affairs-hz', name: 'clerk' }, 'test');
    await authz.assign({ subject: 'wang.clerk', department: 'civil-affairs-hz', role: 'clerk' }, 'test');
    await authz.putRule(
      {
        id: 'hz-clerk-decrypt',
        department: 'civil-affairs-hz',
        role: 'clerk',
        resources: [`${RESIDENTS}/*`],
        actions: ['decrypt'],
        purposes: ['benefit-eligibility'],
        minAcr: 'substantial',
      },
      'test',
    );
  });
  afterAll(() => platform?.stop());

  const place = { collection: RESIDENTS, row: 'r-1001', field: 'id_number' };

  it('encrypts a field and lets a clerk read it back for a purpose, audited with that purpose', async () => {
    const { results } = await intakeApp.privacy.encrypt({
      items: [{ value: ID_NUMBER, ...place, index: { kind: 'resident-id' } }],
    });
    const [{ ciphertext, index }] = results as [{ ciphertext: string; index?: string }];
    expect(ciphertext).toMatch(/^og1:a256gcm:civil-affairs-hz\.residents\.id_number:1:/);
    expect(ciphertext).not.toContain(ID_NUMBER);

    const { results: indexes } = await intakeApp.privacy.blindIndex({
      items: [
        { value: ID_NUMBER.toLowerCase(), collection: RESIDENTS, field: 'id_number', kind: 'resident-id' },
      ],
    });
    expect(indexes).toEqual([{ index }]);

    const opened = await staffApp.privacy.decrypt({
      purpose: 'benefit-eligibility',
      actor: 'wang.clerk',
      acr: 'substantial',
      items: [{ ciphertext, ...place, subject: 'citizen-1001' }],
    });
    expect(opened.results).toEqual([{ value: ID_NUMBER }]);

    const [logged] = (await auditRows(platform.server, 'privacy.decrypt')).filter(
      (r) => r.subject === 'citizen-1001' && r.outcome === 'success',
    );
    expect(logged).toMatchObject({ actor: 'wang.clerk', client_id: staffClientId });
    expect(JSON.parse(logged!.details!)).toMatchObject({ purpose: 'benefit-eligibility', row: 'r-1001' });
  });

  it('asks for step-up when the person signed in too weakly, and refuses another purpose', async () => {
    const { results } = await intakeApp.privacy.encrypt({ items: [{ value: ID_NUMBER, ...place }] });
    const item = { ciphertext: (results[0] as { ciphertext: string }).ciphertext, ...place };
    const weak = await staffApp.privacy
      .decrypt({ purpose: 'benefit-eligibility', actor: 'wang.clerk', acr: 'low', items: [item] })
      .catch((err: unknown) => err);
    expect(weak).toMatchObject({
      code: 'ERR_PRIVACY_STEP_UP_REQUIRED',
      cause: { status: 403, error: 'insufficient_user_authentication' },
    });
    const curious = await staffApp.privacy
      .decrypt({ purpose: 'curiosity', actor: 'wang.clerk', acr: 'substantial', items: [item] })
      .catch((err: unknown) => err);
    expect(curious).toMatchObject({ code: 'ERR_API_FORBIDDEN', cause: { error: 'privacy_forbidden' } });
    expect(String(curious)).not.toContain(ID_NUMBER);
  });

  it('refuses decrypting to an app without privacy:decrypt', async () => {
    const { results } = await intakeApp.privacy.encrypt({ items: [{ value: ID_NUMBER, ...place }] });
    const refused = await intakeApp.privacy
      .decrypt({
        purpose: 'benefit-eligibility',
        actor: 'wang.clerk',
        acr: 'substantial',
        items: [{ ciphertext: (results[0] as { ciphertext: string }).ciphertext, ...place }],
      })
      .catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'ERR_API_FORBIDDEN' });
  });

  it('masks and validates with whichever privacy scope the app holds', async () => {
    for (const app of [staffApp, intakeApp]) {
      expect(
        (await app.privacy.mask({ items: [{ value: ID_NUMBER, profile: 'resident-id' }] })).results,
      ).toEqual([{ masked: '110105********002X' }]);
      const { results } = await app.privacy.validate({
        items: [
          { kind: 'mobile', value: '+86 138-0013-8000' },
          { kind: 'resident-id', value: '110105194912310021' },
        ],
      });
      expect(results.map((r) => [r.valid, r.reason])).toEqual([
        [true, undefined],
        [false, 'check_character'],
      ]);
    }
  });

  it('sends more than 1,000 items in parts and joins the answers in order', async () => {
    const recorder = recordingFetch(platform);
    const staff = await serviceClient(platform, 'Bulk masking', ['privacy:encrypt']);
    const app = platformClient(platform, staff, { fetch: recorder.fetch });
    const items = Array.from({ length: 2_001 }, (_, i) => ({
      value: `138${String(i).padStart(8, '0')}`,
      profile: 'mobile',
    }));
    const { results } = await app.privacy.mask({ items });
    expect(results).toHaveLength(2_001);
    expect(results[1_500]).toEqual({ masked: '138****1500' });
    expect(recorder.count('/api/v1/privacy/mask')).toBe(3);
  });
});
