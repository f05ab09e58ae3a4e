import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onegate, serveProcess } from './support/serve-process.ts';

describe('production mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onegate-prod-'));
  const env = {
    NODE_ENV: 'production',
    ONEGATE_ISSUER: 'https://id.example.test',
    ONEGATE_METRICS_TOKEN: 'm'.repeat(40),
    ONEGATE_DATA_DIR: dataDir,
    ONEGATE_PORT: '0',
    ONEGATE_LOG_LEVEL: 'info',
    // TLS ends at a proxy on this host, which says so in X-Forwarded-Proto.
    ONEGATE_TRUST_PROXY: 'true',
    ONEGATE_TRUSTED_PROXIES: '127.0.0.1',
  };

  it('refuses to start with the database, SIEM or a witness reached without verified TLS (ASVS 12.3.1)', async () => {
    // One start per setting; every refused value of each is in packages/server/test/config.test.ts.
    const refused: Array<[Record<string, string>, RegExp]> = [
      [
        { ONEGATE_DATABASE_URL: 'postgres://onegate:hunter2@db.gov.example/onegate?sslmode=disable' },
        /databaseUrl \(ONEGATE_DATABASE_URL\): sslmode=disable turns TLS off: use sslmode=verify-full/,
      ],
      [
        { ONEGATE_AUDIT_FORWARD: 'udp://siem.gov.example:514' },
        /auditForward \(ONEGATE_AUDIT_FORWARD\): udp:\/\/ sends audit events in clear text/,
      ],
      [
        { ONEGATE_AUDIT_WITNESSES: 'http://witness.example/add-checkpoint' },
        /auditWitnesses \(ONEGATE_AUDIT_WITNESSES\): witness 1 is http:\/\//,
      ],
    ];
    for (const [setting, message] of refused) {
      const start = serveProcess({ ...env, ...setting });
      await expect(start).rejects.toThrow(message);
      await expect(start).rejects.not.toThrow(/hunter2/);
    }
    expect(existsSync(join(dataDir, 'onegate.db'))).toBe(false);
  }, 60_000);

  it('refuses to serve until `onegate init` has run, touching nothing', async () => {
    await expect(serveProcess(env)).rejects.toThrow(/no master key: run `onegate init`/);
    expect(existsSync(join(dataDir, 'onegate.db'))).toBe(false);
    expect(existsSync(join(dataDir, 'master.key'))).toBe(false);
    expect(existsSync(join(dataDir, 'privacy-kek.key'))).toBe(false);
  });

  it('serves after `onegate init`, which makes the keys, the signing keys and an admin client once', async () => {
    const first = await onegate(['init', '--json'], env);
    const created = JSON.parse(first) as {
      admin_client?: { client_id?: unknown };
      privacy_kek?: { source?: unknown };
    };
    expect(typeof created.admin_client?.client_id).toBe('string');
    // The signing keys are sealed under the privacy keyring, whose KEK init made beside the master key.
    expect(created.privacy_kek).toEqual({ source: 'created', path: join(dataDir, 'privacy-kek.key') });
    const running = await serveProcess(env);
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    const viaProxy = { headers: { 'x-forwarded-proto': 'https' } };
    const jwks = (await (await fetch(`${running.url}/jwks`, viaProxy)).json()) as {
      keys: Array<{ alg: string }>;
    };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256']);
    // RS256 (PKCS#1 v1.5) only when the operator lists it for old apps (ASVS 11.3.1).
    const discovery = (await (
      await fetch(`${running.url}/.well-known/openid-configuration`, viaProxy)
    ).json()) as {
      id_token_signing_alg_values_supported: string[];
    };
    expect(discovery.id_token_signing_alg_values_supported).not.toContain('RS256');
    // Plain HTTP that no proxy vouches for reaches no route (ASVS 12.2.1): not the token endpoint either.
    for (const path of ['/jwks', '/token', '/api/v1/admin/clients']) {
      const res = await fetch(`${running.url}${path}`, { method: path === '/token' ? 'POST' : 'GET' });
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { error_description: string }).error_description).toContain(
        'only over https',
      );
    }
    expect(await running.stop()).toBe(0);
  });
});
