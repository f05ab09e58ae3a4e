import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { auditRows as logged, type AuditRow } from './support/audit-rows.ts';
import { startPlatform, type Platform } from './support/platform.ts';

type Who = 'writer' | 'reader' | 'encryptOnly';

const RESIDENTS = 'civil-affairs-hz/residents';
const ID_NUMBER = '11010519491231002X';

describe.each(engines)('the privacy API on %s', (engine) => {
  let platform: Platform;
  const tokens: Record<Who, string> = { writer: '', reader: '', encryptOnly: '' };
  const clientIds: Record<Who, string> = { writer: '', reader: '', encryptOnly: '' };

  async function token(name: string, scope: string): Promise<{ token: string; clientId: string }> {
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name,
      scopes: scope.split(' '),
    });
    const config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const { access_token } = await oidc.clientCredentialsGrant(config, { scope });
    return { token: access_token, clientId: client.clientId };
  }

  const call = (path: string, who: Who | undefined, body: unknown) =>
    fetch(`${platform.issuer}/api/v1/privacy${path}`, {
      method: 'POST',
      headers: {
        ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
        'content-type': 'application/json',
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  async function json<T>(res: Response, status: number): Promise<T> {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return JSON.parse(text) as T;
  }

  async function encrypt(items: Record<string, unknown>[]): Promise<string[]> {
    const { results } = await json<{ results: { ciphertext: string }[] }>(
      await call('/encrypt', 'writer', { items }),
      200,
    );
    return results.map((r) => r.ciphertext);
  }

  const auditRows = (action: string): Promise<AuditRow[]> => logged(platform.server, action);

  beforeAll(async () => {
    // A small daily allowance, so that a test can go over it.
    platform = await startPlatform(engine, { ONEGATE_PRIVACY_DECRYPTS_PER_PERSON_PER_DAY: '50' });
    for (const [who, name, scope] of [
      ['writer', 'Resident registry (writes)', 'privacy:encrypt'],
      ['reader', 'Resident registry (staff view)', 'privacy:decrypt privacy:encrypt'],
      ['encryptOnly', 'Form intake', 'privacy:encrypt'],
    ] as const) {
      const t = await token(name, scope);
      tokens[who] = t.token;
      clientIds[who] = t.clientId;
    }
    // Clerks of Hangzhou civil affairs may decrypt residents' fields for benefit checks, and nobody else.
    const { authz } = platform.server;
    await authz.putDepartment({ id: 'civil-affairs-hz', name: 'Hangzhou Civil Affairs' }, 'test');
    await authz.putRole({ department: 'civil-affairs-hz', name: 'clerk' }, 'test');
    await authz.assign({ subject: 'wang.clerk', department: 'civil-affairs-hz', role: 'clerk' }, 'test');
    // The phone desk may unmask phone numbers and no other field.
    await authz.putRole({ department: 'civil-affairs-hz', name: 'phone-desk' }, 'test');
    await authz.assign({ subject: 'zhao.desk', department: 'civil-affairs-hz', role: 'phone-desk' }, 'test');
    await authz.assign({ subject: 'li.clerk', department: 'civil-affairs-hz', role: 'clerk' }, 'test');
    await authz.putRule(
      {
        id: 'hz-desk-phone',
        department: 'civil-affairs-hz',
        role: 'phone-desk',
        resources: [`${RESIDENTS}/*/phone`],
        actions: ['decrypt'],
        purposes: ['callback'],
      },
      'test',
    );
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

  const decryptBody = (items: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({
    purpose: 'benefit-eligibility',
    actor: 'wang.clerk',
    acr: 'substantial',
    items,
    ...extra,
  });

  it('encrypts a field bound to its record and lets an authorized clerk read it back, audited with purpose', async () => {
    const place = { collection: RESIDENTS, row: 'r-1001', field: 'id_number' };
    const [ciphertext] = await encrypt([{ value: ID_NUMBER, ...place }]);
    expect(ciphertext).toMatch(/^og1:a256gcm:civil-affairs-hz\.residents\.id_number:1:[A-Za-z0-9_-]+$/);
    expect(ciphertext).not.toContain(ID_NUMBER);

    // Under the field's key, the app names whose data it is, for the audit log.
    const res = await call(
      '/decrypt',
      'reader',
      decryptBody([{ ciphertext, ...place, subject: 'citizen-1001' }]),
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await json<{ results: unknown[] }>(res, 200)).results).toEqual([{ value: ID_NUMBER }]);

    const [event] = (await auditRows('privacy.decrypt')).filter((r) => r.subject === 'citizen-1001');
    expect(event).toMatchObject({
      outcome: 'success',
      actor: 'wang.clerk',
      client_id: clientIds.reader,
      subject: 'citizen-1001',
    });
    const details = JSON.parse(event!.details!) as Record<string, unknown>;
    expect(details).toMatchObject({ purpose: 'benefit-eligibility', field: 'id_number', row: 'r-1001' });
    expect(event!.details).not.toContain(ID_NUMBER);
  });

  it('refuses decrypting without the privacy:decrypt scope (403) and audits the refusal', async () => {
    const place = { collection: RESIDENTS, row: 'r-2', field: 'phone', subject: 'citizen-2' };
    const [ciphertext] = await encrypt([{ value: '13800138000', ...place }]);
    const body = await json<{ error: string }>(
      await call('/decrypt', 'encryptOnly', decryptBody([{ ciphertext, ...place }])),
      403,
    );
    expect(body.error).toBe('privacy_forbidden');
    const refused = (await auditRows('privacy.decrypt')).filter((r) => r.subject === 'citizen-2');
    expect(refused).toMatchObject([
      { outcome: 'denied', client_id: clientIds.encryptOnly, reason: 'missing-scope' },
    ]);
  });

  it('refuses a person without permission, a purpose the rule does not list, and a low sign-in: 403, audited, nothing shown', async () => {
    const place = { collection: RESIDENTS, row: 'r-3', field: 'id_number', subject: 'citizen-3' };
    const [ciphertext] = await encrypt([{ value: ID_NUMBER, ...place }]);
    const item = { ciphertext, ...place };
    for (const extra of [{ actor: 'sun.police' }, { purpose: 'marketing' }, { acr: 'low' }] as Record<
      string,
      unknown
    >[]) {
      const res = await call('/decrypt', 'reader', decryptBody([item], extra));
      const text = await res.text();
      expect(res.status, text).toBe(403);
      expect(text).not.toContain(ID_NUMBER);
    }
    const refused = (await auditRows('privacy.decrypt')).filter((r) => r.subject === 'citizen-3');
    expect(refused.map((r) => [r.outcome, r.actor, r.reason])).toEqual([
      ['denied', 'sun.police', 'no_matching_rule'],
      ['denied', 'wang.clerk', 'no_matching_rule'],
      ['denied', 'wang.clerk', 'insufficient-authentication'],
    ]);
  });

  it('asks a person signed in with a password alone to sign in more strongly (RFC 9470)', async () => {
    const place = { collection: RESIDENTS, row: 'r-31', field: 'id_number' };
    const [ciphertext] = await encrypt([{ value: ID_NUMBER, ...place }]);
    for (const acr of ['low', undefined]) {
      const body = await json<{ error: string }>(
        await call('/decrypt', 'reader', decryptBody([{ ciphertext, ...place }], { acr })),
        403,
      );
      expect(body.error).toBe('insufficient_user_authentication');
    }
  });

  it('lets a role unmask one field of a record and not the others', async () => {
    const [phone, id] = await encrypt([
      { value: '13700001111', collection: RESIDENTS, row: 'r-32', field: 'phone' },
      { value: ID_NUMBER, collection: RESIDENTS, row: 'r-32', field: 'id_number' },
    ]);
    const desk = (item: Record<string, unknown>) =>
      call('/decrypt', 'reader', decryptBody([item], { actor: 'zhao.desk', purpose: 'callback' }));
    expect(
      (
        await json<{ results: unknown[] }>(
          await desk({ ciphertext: phone, collection: RESIDENTS, row: 'r-32', field: 'phone' }),
          200,
        )
      ).results,
    ).toEqual([{ value: '13700001111' }]);
    const res = await desk({ ciphertext: id, collection: RESIDENTS, row: 'r-32', field: 'id_number' });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain(ID_NUMBER);
    const [event] = (await auditRows('privacy.decrypt')).filter(
      (r) => r.actor === 'zhao.desk' && r.outcome === 'denied',
    );
    expect(JSON.parse(event!.details!)).toMatchObject({ field: 'id_number', purpose: 'callback' });
  });

  it('stops a person past their daily allowance with 429, audited, and lets them use what is left', async () => {
    const places = Array.from({ length: 51 }, (_, i) => ({
      collection: RESIDENTS,
      row: `q-${i}`,
      field: 'alias',
    }));
    const sealed = await encrypt(places.map((p) => ({ value: 'alias', ...p })));
    const items = places.map((p, i) => ({ ciphertext: sealed[i], ...p }));
    const over = await call('/decrypt', 'reader', decryptBody(items, { actor: 'li.clerk' }));
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: string }).error).toBe('privacy_rate_limited');
    const limited = (await auditRows('privacy.decrypt')).filter((r) => r.actor === 'li.clerk');
    expect(limited).toHaveLength(51);
    expect(new Set(limited.map((r) => r.reason))).toEqual(new Set(['rate-limited']));
    // Nothing was taken from the allowance by the refused batch.
    const ok = await call('/decrypt', 'reader', decryptBody(items.slice(0, 50), { actor: 'li.clerk' }));
    expect(ok.status).toBe(200);
    const again = await call('/decrypt', 'reader', decryptBody(items.slice(0, 1), { actor: 'li.clerk' }));
    expect(again.status).toBe(429);
    // Until the UTC day ends; the day's first refusal was audited, this one is only answered.
    const retryAfter = Number(again.headers.get('retry-after'));
    const untilMidnight = (86_400_000 - (Date.now() % 86_400_000)) / 1000;
    expect(retryAfter).toBeGreaterThan(0);
    expect(Math.abs(retryAfter - untilMidnight)).toBeLessThan(60);
    expect((await auditRows('privacy.decrypt')).filter((r) => r.actor === 'li.clerk')).toHaveLength(51 + 50);
  });

  it('wants a purpose, well-formed items and at most 1,000 of them: 400 and nothing audited', async () => {
    const before = (await auditRows('privacy.decrypt')).length;
    const item = { ciphertext: 'not an envelope', collection: RESIDENTS, row: 'r-4', field: 'name' };
    for (const body of [
      { ...decryptBody([item]), purpose: undefined },
      decryptBody([item]),
      decryptBody([{ ...item, ciphertext: 'og1:a256gcm:k:1:AAAA', row: '../r-5' }]),
      decryptBody(Array.from({ length: 1001 }, () => item)),
      decryptBody([{ ...item, purpos: 'typo' }]),
      '{"purpose":',
    ]) {
      const res = await call('/decrypt', 'reader', body);
      const text = await res.text();
      expect(res.status, text).toBe(400);
      expect(JSON.parse(text)).toMatchObject({
        error: expect.stringMatching(/^(privacy_invalid|privacy_ciphertext|invalid_request)$/) as unknown,
      });
    }
    expect((await auditRows('privacy.decrypt')).length).toBe(before);
  });

  it('opens every item it can: a ciphertext copied to another row fails alone, and is audited as a failure', async () => {
    const [a, b] = await encrypt([
      { value: '张三', collection: RESIDENTS, row: 'r-6', field: 'name' },
      { value: '李四', collection: RESIDENTS, row: 'r-7', field: 'name' },
    ]);
    const { results } = await json<{ results: unknown[] }>(
      await call(
        '/decrypt',
        'reader',
        decryptBody([
          { ciphertext: a, collection: RESIDENTS, row: 'r-6', field: 'name' },
          // r-6's name pasted into r-7: the associated data no longer matches.
          { ciphertext: a, collection: RESIDENTS, row: 'r-7', field: 'name' },
          { ciphertext: b, collection: RESIDENTS, row: 'r-7', field: 'name' },
        ]),
      ),
      200,
    );
    expect(results).toEqual([
      { value: '张三' },
      { error: 'ERR_PRIVACY_CIPHERTEXT', error_description: expect.any(String) as unknown },
      { value: '李四' },
    ]);
    const rows = (await auditRows('privacy.decrypt')).filter((r) => r.details?.includes('"field":"name"'));
    expect(rows.map((r) => r.outcome)).toEqual(['success', 'failure', 'success']);
  });

  it('erases a person: after their key is shredded their fields fail, and everyone else’s still open', async () => {
    const place = (row: string, subject: string) => ({ collection: RESIDENTS, row, field: 'phone', subject });
    const [erased, kept] = await encrypt([
      { value: '13900001111', ...place('r-8', 'citizen-8') },
      { value: '13900002222', ...place('r-9', 'citizen-9') },
    ]);
    expect(erased).toMatch(/^og1:a256gcm:subject\.citizen-8:1:/);
    await platform.server.keyring.shred('subject.citizen-8', 'test-officer');
    const { results } = await json<{ results: unknown[] }>(
      await call(
        '/decrypt',
        'reader',
        decryptBody([
          { ciphertext: erased, ...place('r-8', 'citizen-8') },
          { ciphertext: kept, ...place('r-9', 'citizen-9') },
        ]),
      ),
      200,
    );
    expect(results).toEqual([
      { error: 'ERR_PRIVACY_KEY_SHREDDED', error_description: expect.any(String) as unknown },
      { value: '13900002222' },
    ]);
  });

  it('gives equal blind indexes for one phone number however it is written, and different ones per field', async () => {
    const { results } = await json<{ results: { index: string }[] }>(
      await call('/blind-index', 'writer', {
        items: [
          { value: '+86 138-0013-8000', collection: RESIDENTS, field: 'phone', kind: 'mobile' },
          { value: '13800138000', collection: RESIDENTS, field: 'phone', kind: 'mobile' },
          { value: '13800138000', collection: RESIDENTS, field: 'emergency_phone', kind: 'mobile' },
          { value: '13800138000', collection: RESIDENTS, field: 'phone', kind: 'mobile', bits: 32 },
        ],
      }),
      200,
    );
    const [a, b, c, short] = results.map((r) => r.index);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(short).toHaveLength(6);
    expect(a).toHaveLength(22);

    // An index is returned with the ciphertext when asked, the same one.
    const { results: sealed } = await json<{ results: { ciphertext: string; index: string }[] }>(
      await call('/encrypt', 'writer', {
        items: [
          {
            value: '138 0013 8000',
            collection: RESIDENTS,
            row: 'r-10',
            field: 'phone',
            index: { kind: 'mobile' },
          },
        ],
      }),
      200,
    );
    expect(sealed[0]!.index).toBe(a);

    const bad = await json<{ error_description: string }>(
      await call('/blind-index', 'writer', {
        // Nothing left once separators go: an empty index would match every other empty value.
        items: [{ value: ' - ', collection: RESIDENTS, field: 'phone', kind: 'mobile' }],
      }),
      400,
    );
    expect(bad.error_description).toMatch(/^items\[0\]: /);
  });

  it('masks, validates and finds personal data in batches', async () => {
    const masked = await json<{ results: { masked: string }[] }>(
      await call('/mask', 'reader', {
        items: [
          { value: ID_NUMBER, profile: 'resident-id' },
          { value: '13812341234', profile: 'mobile' },
          { value: '欧阳娜娜', profile: 'name' },
          { value: '6222021234567890123', profile: 'bank-card' },
        ],
      }),
      200,
    );
    expect(masked.results.slice(0, 3).map((r) => r.masked)).toEqual([
      '110105********002X',
      '138****1234',
      '欧阳**',
    ]);
    // The bank and the last four stay; the rest is hidden.
    expect(masked.results[3]!.masked).toMatch(/^6222 [* ]+0123$/);

    const validated = await json<{ results: { valid: boolean; reason?: string }[] }>(
      await call('/validate', 'writer', {
        items: [
          { kind: 'resident-id', value: ID_NUMBER },
          { kind: 'resident-id', value: '110105194912310021' },
          { kind: 'bank-card', value: '6222021234567890124' },
        ],
      }),
      200,
    );
    expect(validated.results.map((r) => r.valid)).toEqual([true, false, false]);
    expect(validated.results[1]!.reason).toBeTruthy();

    const detected = await json<{ results: { findings: { kind: string }[]; redacted: unknown }[] }>(
      await call('/detect', 'writer', {
        items: [{ text: `申请人 ${ID_NUMBER}，电话 13800138000` }, { json: { note: 'call 13800138000' } }],
      }),
      200,
    );
    expect(detected.results[0]!.findings.map((f) => f.kind)).toEqual(['resident-id', 'mobile']);
    expect(detected.results[0]!.redacted).toBe('申请人 110105********002X，电话 138****8000');
    expect(detected.results[1]!.redacted).toEqual({ note: 'call 138****8000' });
    expect(JSON.stringify(detected)).not.toContain(ID_NUMBER);
  });

  it('wants a token with a privacy scope: 401 without one, 403 with another scope', async () => {
    const none = await call('/mask', undefined, { items: [{ value: 'x', profile: 'name' }] });
    expect(none.status).toBe(401);
    const other = await token('Policy checker', 'authz:check');
    const res = await fetch(`${platform.issuer}/api/v1/privacy/encrypt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ value: 'x', collection: RESIDENTS, row: 'r', field: 'name' }] }),
    });
    expect(res.status).toBe(403);
  });
});
