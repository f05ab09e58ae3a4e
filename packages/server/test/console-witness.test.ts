import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WITNESS_ACTION, witnessStatus } from '../src/console/integrity/integrity-checks.ts';
import {
  consoleAccount,
  ConsoleBrowser,
  signInToConsole,
  startConsoleServer,
  type ConsoleAccount,
  type TestServer,
} from './console-support.ts';

/**
 * The witnesses' last answer outlives the process that heard it: the audit
 * service keeps it in memory only, so the integrity page records it in the
 * log and reads it back after a restart (or on another instance).
 */
describe('witness status on the integrity dashboard', () => {
  let server: TestServer;
  let officer: ConsoleAccount;
  const observer = () => ({ accountId: officer.id, address: '127.0.0.1' });
  const recorded = async () =>
    (await server.audit.query({ action: WITNESS_ACTION }, { limit: 10 })).events.map((e) => e.event);

  beforeAll(async () => {
    // A file witness in a folder that does not exist: every cosigning round fails.
    const missing = join(mkdtempSync(join(tmpdir(), 'onegate-witness-')), 'missing', 'notes');
    server = await startConsoleServer({ ONEGATE_AUDIT_WITNESSES: `file://${missing}` });
    officer = await consoleAccount(server, 'officer.feng', { roles: ['onegate/security-officer'] });
  });
  afterAll(() => server?.shutdown());

  it('shows a failed cosigning round in red and records it in the log', async () => {
    const browser = new ConsoleBrowser();
    const page = await signInToConsole(server, browser, officer, '/console/integrity');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/Last cosigning FAILED \(tree size \d+\)/);
    expect(page.body).toContain('console-banner');
    const [event, ...others] = await recorded();
    expect(others).toEqual([]);
    expect(event).toMatchObject({ outcome: 'failure', actor: { id: officer.id } });
  });

  it('still says so after a restart, from the log, without recording it twice', async () => {
    const failed = server.audit.witnessStatus!;
    server.audit.witnessStatus = undefined; // what a restarted process, or another instance, knows
    expect(await witnessStatus(server.audit, observer())).toMatchObject({
      ok: false,
      size: failed.size,
      at: failed.at,
    });
    expect(await recorded()).toHaveLength(1);
  });

  it('records a newer answer, which is then the one shown', async () => {
    server.audit.witnessStatus = { at: Date.now() + 1000, ok: true, size: 4242 };
    expect((await witnessStatus(server.audit, observer()))?.ok).toBe(true);
    server.audit.witnessStatus = undefined;
    expect(await witnessStatus(server.audit, observer())).toMatchObject({ ok: true, size: 4242 });
    expect((await recorded()).map((e) => e.outcome)).toEqual(['success', 'failure']);
  });
});
