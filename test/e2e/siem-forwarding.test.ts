import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Forwarder, parseEvent } from '@onegate/audit';
import {
  createCertificateAuthority,
  createLogger,
  issueServerCertificate,
  loadConfig,
  startServer,
  type IssuedCertificate,
  type RunningServer,
} from '@onegate/server';
import { createTestDatabase, type TestDatabase } from '@onegate/store/testing';
import { freePort } from './support/platform.ts';
import { TlsSyslogReceiver } from './support/syslog-receiver.ts';

/** A OneGate whose audit log is copied to `target`, with its error log lines kept in `logs`. */
async function startForwarding(
  target: string,
  caFile: string,
): Promise<{ server: RunningServer; logs: string[]; stop(): Promise<void> }> {
  const db: TestDatabase = await createTestDatabase('sqlite');
  const port = await freePort();
  const config = loadConfig({
    ONEGATE_PORT: String(port),
    ONEGATE_ISSUER: `http://127.0.0.1:${port}`,
    ONEGATE_DATA_DIR: db.location.dataDir ?? mkdtempSync(join(tmpdir(), 'onegate-e2e-')),
    ONEGATE_LOG_LEVEL: 'error',
    ONEGATE_AUDIT_FORWARD: target,
    ONEGATE_AUDIT_FORWARD_CA: caFile,
  });
  const logs: string[] = [];
  const server = await startServer(config, { logger: createLogger(config, { write: (l) => logs.push(l) }) });
  return {
    server,
    logs,
    stop: async () => {
      await server.shutdown();
      await db.drop();
    },
  };
}

function burst(server: RunningServer, name: string, size: number) {
  return server.audit.append(
    Array.from({ length: size }, (_, n) => ({
      actor: { type: 'app', id: 'records' },
      action: name,
      outcome: 'success',
      details: { n },
    })),
    { clientId: 'records' },
  );
}

describe('SIEM forwarding over TLS (RFC 5425; ASVS 12.3.1, 16.4.3)', () => {
  let ca: IssuedCertificate;
  let siemCertificate: IssuedCertificate;
  let caFile: string;

  beforeAll(() => {
    ca = createCertificateAuthority({
      commonName: 'SIEM test CA',
      permittedHosts: ['127.0.0.1', 'siem.example'],
      days: 2,
    });
    siemCertificate = issueServerCertificate(ca, { hosts: ['127.0.0.1'], days: 1 });
    caFile = join(mkdtempSync(join(tmpdir(), 'onegate-siem-')), 'siem-ca.pem');
    writeFileSync(caFile, ca.certPem);
  });

  describe('to a SIEM with a certificate from the configured CA', () => {
    let siem: TlsSyslogReceiver;
    let platform: Awaited<ReturnType<typeof startForwarding>>;

    beforeAll(async () => {
      siem = new TlsSyslogReceiver(siemCertificate);
      await siem.start();
      platform = await startForwarding(`tls://127.0.0.1:${siem.port}`, caFile);
    });
    afterAll(async () => {
      await platform?.stop();
      await siem?.stop();
    });

    it('gets every event of a burst, including those appended while it was down for a moment', async () => {
      const { server, logs } = platform;
      const first = await burst(server, 'siem.before', 200);
      await vi.waitFor(() => expect(siem.indexes).toContain(first.first + 199));

      // The SIEM goes down: OneGate's connection is cut and new ones are refused.
      await siem.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const during = await burst(server, 'siem.during', 200);
      await vi.waitFor(() =>
        expect(logs.join('')).toMatch(
          new RegExp(`forwarding audit events to tls://127\\.0\\.0\\.1:${siem.port} failed: .*ECONNREFUSED`),
        ),
      );
      expect(siem.indexes).not.toContain(during.first);

      // It comes back on the same port: the held events arrive without another append, then new ones follow.
      await siem.start();
      await vi.waitFor(() => expect(siem.indexes).toContain(during.first + 199), { timeout: 10_000 });
      const last = await burst(server, 'siem.after', 200);
      await vi.waitFor(() => expect(siem.indexes).toContain(last.first + 199));

      // Every index of the log, each once, whatever wrote it.
      const size = last.first + last.count;
      const received = siem.indexes;
      expect(new Set(received).size).toBe(received.length);
      expect(received.filter((i) => i < size).sort((a, b) => a - b)).toEqual(
        Array.from({ length: size }, (_, i) => i),
      );
      const message = siem.messages.find((m) => m.includes(`index="${during.first + 7}"`))!;
      expect(message).toMatch(
        /^<110>1 \S+ \S+ onegate - siem\.during \[onegate@32473 index="\d+" outcome="success"/,
      );
      expect(JSON.parse(message.slice(message.indexOf('\uFEFF') + 1))).toMatchObject({
        action: 'siem.during',
        details: { n: 7 },
      });
    });
  });

  describe('to a SIEM whose certificate does not verify', () => {
    it('sends nothing, and logs the target and why', async () => {
      const foreignCa = createCertificateAuthority({
        commonName: 'Impostor CA',
        permittedHosts: ['127.0.0.1'],
        days: 2,
      });
      const impostor = new TlsSyslogReceiver(
        issueServerCertificate(foreignCa, { hosts: ['127.0.0.1'], days: 1 }),
      );
      await impostor.start();
      const platform = await startForwarding(`tls://127.0.0.1:${impostor.port}`, caFile);
      try {
        await burst(platform.server, 'siem.secret', 3);
        await vi.waitFor(() => expect(impostor.failedHandshakes).toBeGreaterThan(0));
        await vi.waitFor(() =>
          expect(platform.logs.join('')).toMatch(
            new RegExp(
              `"code":"ERR_AUDIT_UNAVAILABLE","message":"forwarding audit events to tls://127\\.0\\.0\\.1:${impostor.port} failed: unable to verify the first certificate`,
            ),
          ),
        );
        expect(impostor.handshakes).toBe(0);
        expect(impostor.messages).toEqual([]);
      } finally {
        await platform.stop();
        await impostor.stop();
      }
    });

    it('refuses a certificate for another name, and one the default CAs do not know', async () => {
      const event = parseEvent(
        { actor: { type: 'app', id: 'records' }, action: 'siem.secret', outcome: 'success' },
        { at: Date.now(), by: 'records' },
      );
      const otherName = new TlsSyslogReceiver(
        issueServerCertificate(ca, { hosts: ['siem.example'], days: 1 }),
      );
      const devCa = new TlsSyslogReceiver(siemCertificate);
      for (const [receiver, trusted, why] of [
        [
          otherName,
          ca.certPem,
          /Hostname\/IP does not match certificate's altnames.*\(ERR_TLS_CERT_ALTNAME_INVALID\)/,
        ],
        [devCa, undefined, /unable to verify the first certificate.*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/],
      ] as const) {
        await receiver.start();
        const errors: string[] = [];
        const forwarder = new Forwarder({
          target: `tls://127.0.0.1:${receiver.port}`,
          ...(trusted ? { ca: trusted } : {}),
          onError: (err) => errors.push((err as Error).message),
        });
        forwarder.forward([{ index: 0, event }]);
        await vi.waitFor(() => expect(errors.join('\n')).toMatch(why));
        await forwarder.close();
        await receiver.stop();
        expect(receiver.messages).toEqual([]);
        expect(forwarder.sent).toBe(0);
      }
    });
  });
});
