import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ed25519NoteVerifier,
  leafHash,
  openCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type AuditEvent,
  type Checkpoint,
} from '@onegate/audit';
import { engines } from '@onegate/store/testing';
import { startPlatform, type Platform } from './support/platform.ts';

type Who = 'writer' | 'reader';

interface Page {
  events: { index: number; event: AuditEvent }[];
  next_cursor?: string;
}

interface ErrorBody {
  error: string;
  error_description: string;
}

const RESIDENT_ID = '11010519491231002X';

const event = (action: string, extra: Record<string, unknown> = {}) => ({
  actor: { type: 'user', id: 'wang.clerk', department: 'civil-affairs-hz' },
  action,
  outcome: 'success',
  ...extra,
});

const b64 = (values: string[]) => values.map((v) => Buffer.from(v, 'base64'));

describe.each(engines)('the audit log API on %s', (engine) => {
  let platform: Platform;
  const tokens: Record<Who, string> = { writer: '', reader: '' };
  const clientIds: Record<Who, string> = { writer: '', reader: '' };
  let readerConfig: oidc.Configuration;

  async function client(name: string, scope: string) {
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name,
      scopes: scope.split(' '),
    });
    const config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const { access_token } = await oidc.clientCredentialsGrant(config, { scope });
    return { config, token: access_token, clientId: client.clientId };
  }

  const api = (
    method: string,
    path: string,
    who?: Who,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${platform.issuer}/api/v1/audit${path}`, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  async function json<T>(res: Response, status: number): Promise<T> {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return JSON.parse(text) as T;
  }

  const ingest = async (body: unknown, headers: Record<string, string> = {}) =>
    json<{ first: number; count: number }>(await api('POST', '/events', 'writer', body, headers), 201);

  async function checkpoint(): Promise<Checkpoint> {
    // The published checkpoint may be up to a few seconds old; the operator's on-demand one is not.
    await platform.server.audit.checkpoint();
    const key = await fetch(`${platform.issuer}/api/v1/audit/key`);
    expect(key.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const note = await fetch(`${platform.issuer}/api/v1/audit/checkpoint`);
    expect(note.status).toBe(200);
    expect(note.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(note.headers.get('cache-control')).toBe('no-store');
    return openCheckpoint(await note.text(), [ed25519NoteVerifier((await key.text()).trim())], {
      origin: platform.server.audit.origin,
    });
  }

  /** The tree size once every write in flight (OneGate's own events too) is durable. */
  async function settledSize(): Promise<number> {
    await platform.server.audit.flush();
    return (await checkpoint()).size;
  }

  async function byAction(action: string, extra = ''): Promise<Page['events']> {
    await platform.server.audit.flush();
    return (await json<Page>(await api('GET', `/events?action=${action}${extra}`, 'reader'), 200)).events;
  }

  beforeAll(async () => {
    platform = await startPlatform(engine);
    for (const [who, name, scope] of [
      ['writer', 'Benefits portal', 'audit:write'],
      ['reader', 'Security office', 'audit:read'],
    ] as const) {
      const made = await client(name, scope);
      tokens[who] = made.token;
      clientIds[who] = made.clientId;
      if (who === 'reader') readerConfig = made.config;
    }
  });
  afterAll(() => platform?.stop());

  it('takes one event, an array and NDJSON, with consecutive indexes and the writer recorded', async () => {
    const one = await ingest(event('test.ingest-one'));
    expect(one.count).toBe(1);
    const many = await ingest([event('test.ingest-array'), event('test.ingest-array')]);
    expect(many.count).toBe(2);
    const lines = [event('test.ingest-ndjson'), event('test.ingest-ndjson'), event('test.ingest-ndjson')];
    const ndjson = await ingest(`${lines.map((e) => JSON.stringify(e)).join('\r\n')}\n`, {
      'content-type': 'application/x-ndjson',
    });
    expect(ndjson.count).toBe(3);
    expect(many.first).toBeGreaterThan(one.first);

    const stored = await byAction('test.ingest-ndjson');
    expect(stored.map((e) => e.index)).toEqual([ndjson.first + 2, ndjson.first + 1, ndjson.first]);
    expect(stored[0]!.event.recorded.by).toBe(clientIds.writer);
    expect(stored[0]!.event.actor).toEqual({
      type: 'user',
      id: 'wang.clerk',
      department: 'civil-affairs-hz',
    });
  });

  it('refuses a whole batch for one bad event, naming it, and appends nothing', async () => {
    const before = await settledSize();
    const batch = Array.from({ length: 100 }, () => event('test.atomic'));
    batch[57] = event('test.atomic', { outcome: 'maybe' });
    const refused = await json<ErrorBody>(await api('POST', '/events', 'writer', batch), 400);
    expect(refused.error).toBe('audit_invalid');
    expect(refused.error_description).toMatch(/^events\[57\]: outcome/);

    const ndjson = batch.map((e) => JSON.stringify(e));
    ndjson[57] = '{"actor":';
    const badLine = await json<ErrorBody>(
      await api('POST', '/events', 'writer', ndjson.join('\n'), { 'content-type': 'application/x-ndjson' }),
      400,
    );
    expect(badLine.error_description).toBe('events[57]: not valid JSON');

    const unknown = await json<ErrorBody>(
      await api('POST', '/events', 'writer', [event('test.atomic'), event('test.atomic', { subjekt: 'x' })]),
      400,
    );
    expect(unknown.error_description).toMatch(/^events\[1\]: /);
    expect(await settledSize()).toBe(before);
    expect(await byAction('test.atomic')).toEqual([]);
  });

  it('refuses a batch over 10,000 events, and bodies it cannot read, appending nothing', async () => {
    const before = await settledSize();
    const batch = Array.from({ length: 10_001 }, () => event('test.oversized'));
    const refused = await json<ErrorBody>(await api('POST', '/events', 'writer', batch), 400);
    expect(refused.error_description).toContain('10000');
    const lines = batch.map((e) => JSON.stringify(e)).join('\n');
    await json<ErrorBody>(
      await api('POST', '/events', 'writer', lines, { 'content-type': 'application/x-ndjson' }),
      400,
    );
    await json<ErrorBody>(await api('POST', '/events', 'writer', []), 400);
    await json<ErrorBody>(await api('POST', '/events', 'writer', '"an event"'), 400);
    await json<ErrorBody>(await api('POST', '/events', 'writer', '{"actor":'), 400);
    await json<ErrorBody>(
      await api('POST', '/events', 'writer', 'action=x', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      415,
    );
    // Over 32 MB: refused from its declared length, or as it streams in when it declares none.
    const huge = new Uint8Array(33 * 1024 * 1024).fill(0x20);
    const declared = await api('POST', '/events', 'writer', new TextDecoder().decode(huge));
    expect(declared.status).toBe(413);
    const streamed = await fetch(`${platform.issuer}/api/v1/audit/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.writer}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 33; i++)
            controller.enqueue(huge.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
    expect(await settledSize()).toBe(before);
  });

  it('answers a retry with the same Idempotency-Key with the same indexes, and a different batch with 409', async () => {
    const batch = [event('test.idempotent'), event('test.idempotent')];
    const key = { 'idempotency-key': 'benefits-2024-06-01-batch-17' };
    const first = await ingest(batch, key);
    expect(await ingest(batch, key)).toEqual(first);
    const conflict = await json<ErrorBody>(
      await api('POST', '/events', 'writer', [event('test.idempotent')], key),
      409,
    );
    expect(conflict.error).toBe('audit_conflict');
    expect(await byAction('test.idempotent')).toHaveLength(2);
    await json<ErrorBody>(
      await api('POST', '/events', 'writer', batch, { 'idempotency-key': 'x'.repeat(129) }),
      400,
    );
  });

  it('publishes a signed checkpoint and proofs that a verifier checks with the entry bytes', async () => {
    const { first } = await ingest(event('test.proved', { target: { subject: 'acct-proved' } }));
    const old = await checkpoint();
    expect(old.size).toBeGreaterThan(first);

    const entry = await api('GET', `/entries/${first}`, 'reader');
    expect(entry.status).toBe(200);
    expect(entry.headers.get('content-type')).toBe('application/json');
    const bytes = Buffer.from(await entry.arrayBuffer());
    expect((JSON.parse(bytes.toString('utf8')) as AuditEvent).action).toBe('test.proved');

    const proof = await json<{
      index: number;
      size: number;
      leaf_hash: string;
      root: string;
      hashes: string[];
    }>(await api('GET', `/proof/inclusion?index=${first}&size=${old.size}`, 'reader'), 200);
    expect(proof).toMatchObject({ index: first, size: old.size, root: old.root.toString('base64') });
    expect(proof.leaf_hash).toBe(leafHash(bytes).toString('base64'));
    verifyInclusion(leafHash(bytes), first, old.size, b64(proof.hashes), old.root);
    // One byte of the entry changed: "test.proved" becomes "test.provee".
    const altered = Buffer.from(bytes.toString('utf8').replace('test.proved', 'test.provee'));
    expect(altered.length).toBe(bytes.length);
    expect(() => verifyInclusion(leafHash(altered), first, old.size, b64(proof.hashes), old.root)).toThrow();

    await ingest([event('test.grown'), event('test.grown'), event('test.grown')]);
    const now = await checkpoint();
    expect(now.size).toBeGreaterThan(old.size);
    const consistency = await json<{ from: number; to: number; root: string; hashes: string[] }>(
      await api('GET', `/proof/consistency?from=${old.size}&to=${now.size}`, 'reader'),
      200,
    );
    expect(consistency).toMatchObject({ from: old.size, to: now.size, root: now.root.toString('base64') });
    verifyConsistency(old.size, now.size, b64(consistency.hashes), old.root, now.root);
    expect(() =>
      verifyConsistency(old.size, now.size, b64(consistency.hashes), now.root, now.root),
    ).toThrow();
  });

  it('parses proof and entry parameters strictly: 400 for nonsense, 404 beyond the log', async () => {
    const { size } = await checkpoint();
    for (const path of [
      '/proof/inclusion?index=-1',
      '/proof/inclusion?index=1.5',
      '/proof/inclusion?index=abc',
      '/proof/inclusion',
      '/proof/inclusion?index=10&size=5',
      '/proof/inclusion?index=1&index=2',
      '/proof/inclusion?index=1&sise=2',
      '/proof/consistency?from=10&to=5',
      '/proof/consistency?from=0',
      '/proof/consistency?from=x',
      '/entries/-1',
      '/entries/1e3',
    ]) {
      const res = await api('GET', path, 'reader');
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as ErrorBody).error, path).toBe('audit_invalid');
    }
    for (const path of [
      `/entries/${size + 1000}`,
      `/proof/inclusion?index=${size + 1000}`,
      `/proof/inclusion?index=0&size=${size + 1000}`,
      `/proof/consistency?from=${size + 1000}`,
      `/proof/consistency?from=1&to=${size + 1000}`,
    ]) {
      const res = await api('GET', path, 'reader');
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as ErrorBody).error, path).toBe('audit_not_found');
    }
  });

  it('pages through a search by action, newest first, with an opaque cursor', async () => {
    const { first } = await ingest(Array.from({ length: 5 }, () => event('test.paged')));
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await json<Page>(
        await api('GET', `/events?action=test.paged&limit=2${cursor ? `&cursor=${cursor}` : ''}`, 'reader'),
        200,
      );
      seen.push(...page.events.map((e) => e.index));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([4, 3, 2, 1, 0].map((i) => first + i));

    for (const query of [
      'limit=0',
      'limit=1001',
      'cursor=nonsense!',
      'actor=',
      'from=yesterday',
      'colour=red',
    ]) {
      const res = await api('GET', `/events?${query}`, 'reader');
      expect(res.status, query).toBe(400);
    }
  });

  it('refuses a subject in the query string and searches by subject in a POST body', async () => {
    await ingest(event('test.subject', { target: { subject: RESIDENT_ID } }));
    const refused = await json<ErrorBody>(await api('GET', `/events?subject=${RESIDENT_ID}`, 'reader'), 400);
    expect(refused.error_description).toContain('POST /api/v1/audit/events/search');
    expect(refused.error_description).not.toContain(RESIDENT_ID);
    expect((await api('GET', `/export?subject=${RESIDENT_ID}`, 'reader')).status).toBe(400);

    const found = await json<Page>(
      await api('POST', '/events/search', 'reader', {
        subject: RESIDENT_ID,
        action: 'test.subject',
        limit: 10,
      }),
      200,
    );
    expect(found.events).toHaveLength(1);
    expect(found.events[0]!.event.target?.subject).toBe(RESIDENT_ID);
    await json<ErrorBody>(await api('POST', '/events/search', 'reader', { subjects: RESIDENT_ID }), 400);
    await json<ErrorBody>(await api('POST', '/events/search', 'reader', [RESIDENT_ID]), 400);
    // JSON types are kept: a limit sent as text is refused, not read as a number.
    await json<ErrorBody>(
      await api('POST', '/events/search', 'reader', { subject: RESIDENT_ID, limit: '2' }),
      400,
    );
  });

  it('records every read of the log: the filter in details, a personal ID masked', async () => {
    await json<Page>(await api('GET', '/events?action=test.ingest-one', 'reader'), 200);
    await json<Page>(await api('POST', '/events/search', 'reader', { subject: RESIDENT_ID }), 200);
    const reads = await byAction('audit.read', `&clientId=${clientIds.reader}`);
    const [search, query] = reads.map((r) => r.event);
    expect(search).toMatchObject({
      actor: { type: 'app', id: clientIds.reader },
      outcome: 'success',
      source: { clientId: clientIds.reader },
      details: { count: 1 },
    });
    expect(search!.details?.['filter']).toHaveProperty('subject');
    expect(JSON.stringify(search)).not.toContain(RESIDENT_ID);
    expect(query!.details).toEqual({ filter: { action: 'test.ingest-one' }, count: 1 });
  });

  it('exports as a streamed CSV, JSONL or OCSF download, and records the export', async () => {
    await ingest([event('test.exported', { reason: '=HYPERLINK("x")' }), event('test.exported')]);

    const csv = await api('GET', '/export?format=csv&action=test.exported', 'reader');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="onegate-audit-\w+\.csv"$/);
    const rows = (await csv.text()).trimEnd().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^index,time,actor_type,actor_id/);
    expect(rows.join('\n')).toContain(`'=HYPERLINK`);

    const jsonl = await api('GET', '/export?format=jsonl&action=test.exported', 'reader');
    expect(jsonl.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await jsonl.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Page['events'][0]);
    expect(lines.map((l) => l.event.action)).toEqual(['test.exported', 'test.exported']);

    const ocsf = await api('POST', '/export', 'reader', { format: 'ocsf', action: 'test.exported' });
    expect(ocsf.headers.get('content-type')).toBe('application/x-ndjson');
    expect(ocsf.headers.get('content-disposition')).toMatch(/\.ocsf\.jsonl"$/);
    const records = (await ocsf.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { class_uid: number; activity_name: string });
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ class_uid: 6003, activity_name: 'test.exported' });

    const bySubject = await api('POST', '/export', 'reader', {
      subject: RESIDENT_ID,
      action: 'test.subject',
    });
    expect((await bySubject.text()).trimEnd().split('\n')).toHaveLength(1);

    // More than one page of the store (1,000 rows), streamed in order.
    const bulk = await ingest(Array.from({ length: 2_100 }, () => event('test.bulk')));
    const all = await api('GET', '/export?action=test.bulk', 'reader');
    const indexes = (await all.text())
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { index: number }).index);
    expect(indexes).toEqual(Array.from({ length: 2_100 }, (_, i) => bulk.first + 2_099 - i));

    await json<ErrorBody>(await api('GET', '/export?format=xml', 'reader'), 400);
    const exports = await byAction('audit.export', `&clientId=${clientIds.reader}`);
    expect(exports.map((e) => (e.event.details as { format: string }).format).slice(0, 5)).toEqual([
      'jsonl',
      'jsonl',
      'ocsf',
      'jsonl',
      'csv',
    ]);
  });

  it('wants a token with the right scope, except for the checkpoint and its key', async () => {
    expect((await api('GET', '/events')).status).toBe(401);
    expect((await api('POST', '/events', undefined, event('test.no-token'))).status).toBe(401);
    expect((await api('GET', '/proof/inclusion?index=0')).status).toBe(401);
    expect((await api('GET', '/entries/0')).status).toBe(401);
    const wrong = await json<ErrorBody>(await api('GET', '/events', 'writer'), 403);
    expect(wrong.error).toBe('insufficient_scope');
    expect((await api('POST', '/events', 'reader', event('test.wrong-scope'))).status).toBe(403);
    expect((await api('GET', '/export', 'writer')).status).toBe(403);
    // Each refusal for want of a scope is itself audited, by client, method and path (ASVS 16.3.2).
    const denied = await byAction('onegate.api_denied', `&clientId=${clientIds.writer}`);
    expect(denied.map((e) => e.event.details)).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: '/api/v1/audit/events' },
        { method: 'GET', path: '/api/v1/audit/export' },
      ]),
    );
    expect(denied.every((e) => e.event.outcome === 'denied' && e.event.reason === 'insufficient_scope')).toBe(
      true,
    );
    expect((await fetch(`${platform.issuer}/api/v1/audit/checkpoint`)).status).toBe(200);
    expect((await fetch(`${platform.issuer}/api/v1/audit/key`)).status).toBe(200);
    // No SM2 line unless the deployment turns it on: no SM2 key to publish either.
    expect((await fetch(`${platform.issuer}/api/v1/audit/key?type=sm2`)).status).toBe(404);
  });

  it("holds OneGate's own events, such as a refused token request", async () => {
    await expect(oidc.clientCredentialsGrant(readerConfig, { scope: 'admin' })).rejects.toThrow();
    const failures = await byAction('token.issue', `&outcome=failure&clientId=${clientIds.reader}`);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]!.event).toMatchObject({ outcome: 'failure', recorded: { by: 'onegate' } });
  });
});
