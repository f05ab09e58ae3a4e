import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, ServerError } from '../src/index.ts';

function configFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'onegate-config-')), 'onegate.json');
  writeFileSync(file, content);
  return file;
}

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe('ERR_CONFIG_INVALID');
    return (err as Error).message;
  }
  throw new Error('configuration was accepted');
}

describe('loadConfig', () => {
  it('starts from defaults that work on a laptop', () => {
    expect(loadConfig({})).toEqual({
      env: 'development',
      host: '127.0.0.1',
      port: 8080,
      issuer: 'http://localhost:8080',
      dataDir: './data',
      logLevel: 'info',
      trustProxy: false,
      tlsCrl: [],
      trustedProxies: [],
      sessionIdleSeconds: 1800,
      sessionMaxSeconds: 43_200,
      refreshTokenMaxSeconds: 604_800,
      argon2MemoryKiB: 19_456,
      argon2TimeCost: 2,
      argon2Parallelism: 1,
      signingAlgs: ['ES256'],
      outboundAllowedHosts: [],
      authzAuditAllows: 1,
      privacyAlgorithm: 'aes-256-gcm',
      privacyDecryptMinAcr: 'substantial',
      privacyDecryptsPerPersonPerDay: 2000,
      privacyDecryptsPerClientPerMinute: 6000,
      privacyBlindIndexesPerClientPerMinute: 60_000,
      clientAuthFailuresPerClient: 20,
      clientAuthFailuresPerAddress: 100,
      clientAuthFailureWindowSeconds: 300,
      apiRequestsPerClientPerMinute: 120_000,
      adminRequestsPerClientPerMinute: 600,
      consoleRequestsPerOfficerPerMinute: 300,
      auditSearchesPerClientPerMinute: 120,
      auditExportsPerClientPerMinute: 10,
      auditConcurrentExportsPerClient: 2,
      auditRetentionDays: 180,
      auditForwardFormat: 'syslog',
      auditWitnesses: [],
      auditCheckpointSm2: false,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('treats NODE_ENV=production as production unless ONEGATE_ENV says otherwise', () => {
    expect(problem({ NODE_ENV: 'production' })).toMatch(/must be an https:\/\/ URL in production/);
    expect(loadConfig({ NODE_ENV: 'production', ONEGATE_ENV: 'development' }).env).toBe('development');
  });

  it('refuses argon2 parameters below the OWASP minimum and signing without ES256', () => {
    expect(problem({ ONEGATE_ARGON2_MEMORY_KIB: '4096' })).toMatch(
      /argon2MemoryKiB \(ONEGATE_ARGON2_MEMORY_KIB\)/,
    );
    expect(problem({ ONEGATE_SIGNING_ALGS: 'RS256' })).toMatch(
      /signingAlgs \(ONEGATE_SIGNING_ALGS\): must include ES256/,
    );
    expect(loadConfig({ ONEGATE_SIGNING_ALGS: 'ES256, EdDSA' }).signingAlgs).toEqual(['ES256', 'EdDSA']);
  });

  it('reads the environment, converting numbers and flags', () => {
    const config = loadConfig({
      ONEGATE_PORT: '9090',
      ONEGATE_TRUST_PROXY: 'true',
      ONEGATE_ISSUER: 'https://id.gov.example/',
      ONEGATE_DATABASE_URL: 'postgres://onegate@db:5432/onegate',
    });
    expect(config).toMatchObject({
      port: 9090,
      trustProxy: true,
      issuer: 'https://id.gov.example',
      databaseUrl: 'postgres://onegate@db:5432/onegate',
    });
  });

  it('reads a JSON file named by ONEGATE_CONFIG, with the environment winning', () => {
    const file = configFile(JSON.stringify({ port: 7000, logLevel: 'warn' }));
    expect(loadConfig({ ONEGATE_CONFIG: file, ONEGATE_PORT: '7001' })).toMatchObject({
      port: 7001,
      logLevel: 'warn',
    });
  });

  it('takes the share of allow decisions to audit as a number from 0 to 1', () => {
    expect(loadConfig({ ONEGATE_AUTHZ_AUDIT_ALLOWS: '0.25' }).authzAuditAllows).toBe(0.25);
    expect(problem({ ONEGATE_AUTHZ_AUDIT_ALLOWS: '1.5' })).toMatch(
      /authzAuditAllows \(ONEGATE_AUTHZ_AUDIT_ALLOWS\)/,
    );
    expect(problem({ ONEGATE_AUTHZ_AUDIT_ALLOWS: 'most' })).toMatch(/authzAuditAllows/);
  });

  it('names the bad setting and its variable', () => {
    expect(problem({ ONEGATE_PORT: 'eighty' })).toMatch(/port \(ONEGATE_PORT\): .*number/);
    expect(problem({ ONEGATE_PORT: '70000' })).toMatch(/port \(ONEGATE_PORT\)/);
    expect(problem({ ONEGATE_LOG_LEVEL: 'loud' })).toMatch(/logLevel \(ONEGATE_LOG_LEVEL\)/);
    expect(problem({ ONEGATE_ISSUER: 'ftp://x' })).toMatch(/issuer \(ONEGATE_ISSUER\)/);
  });

  it('reports every problem at once', () => {
    const message = problem({ ONEGATE_PORT: '-1', ONEGATE_ENV: 'staging' });
    expect(message).toMatch(/port/);
    expect(message).toMatch(/env \(ONEGATE_ENV\)/);
  });

  it('refuses a misspelt variable instead of silently ignoring it', () => {
    expect(problem({ ONEGATE_DATABSE_URL: 'postgres://x' })).toMatch(
      /ONEGATE_DATABSE_URL: not a OneGate setting/,
    );
  });

  it('refuses unknown keys and malformed JSON in the file', () => {
    expect(problem({ ONEGATE_CONFIG: configFile('{"prot": 1}') })).toMatch(
      /prot \(config file\): not a OneGate setting/,
    );
    expect(problem({ ONEGATE_CONFIG: configFile('{port: 1') })).toMatch(/must hold one JSON object/);
    expect(problem({ ONEGATE_CONFIG: '/nonexistent/onegate.json' })).toMatch(/cannot read the config file/);
  });

  it('never echoes a value, which may be a secret', () => {
    const message = problem({ ONEGATE_DATABASE_URL: 'mysql://admin:hunter2-secret@db/x' });
    expect(message).toMatch(/databaseUrl \(ONEGATE_DATABASE_URL\)/);
    expect(message).not.toContain('hunter2');
  });

  describe('TLS settings', () => {
    it('takes certificate and key together, or neither', () => {
      expect(problem({ ONEGATE_TLS_CERT: '/etc/onegate/server.pem' })).toMatch(
        /tlsKey \(ONEGATE_TLS_KEY\): required with tlsCert/,
      );
      expect(problem({ ONEGATE_TLS_KEY: '/etc/onegate/server.key' })).toMatch(
        /tlsCert \(ONEGATE_TLS_CERT\): required with tlsKey/,
      );
      expect(
        loadConfig({
          ONEGATE_TLS_CERT: '/etc/onegate/server.pem',
          ONEGATE_TLS_KEY: '/etc/onegate/server.key',
        }),
      ).toMatchObject({ tlsCert: '/etc/onegate/server.pem', tlsKey: '/etc/onegate/server.key' });
    });

    it('refuses a CRL without the CAs it belongs to', () => {
      expect(problem({ ONEGATE_TLS_CRL: '/etc/onegate/ca.crl' })).toMatch(
        /tlsCrl \(ONEGATE_TLS_CRL\): needs tlsCa/,
      );
      expect(
        loadConfig({ ONEGATE_TLS_CA: '/etc/onegate/ca.pem', ONEGATE_TLS_CRL: '/a.crl, /b.crl' }).tlsCrl,
      ).toEqual(['/a.crl', '/b.crl']);
    });

    it('believes a forwarded-certificate header only with trusted proxies configured', () => {
      expect(problem({ ONEGATE_TLS_CLIENT_CERT_HEADER: 'x-ssl-client-cert' })).toMatch(
        /tlsClientCertHeader \(ONEGATE_TLS_CLIENT_CERT_HEADER\): needs trustedProxies/,
      );
      const config = loadConfig({
        ONEGATE_TLS_CLIENT_CERT_HEADER: 'X-SSL-Client-Cert',
        ONEGATE_TRUSTED_PROXIES: '10.0.0.5, 192.168.0.0/16,fd00::/8',
      });
      expect(config.tlsClientCertHeader).toBe('x-ssl-client-cert');
      expect(config.trustedProxies).toEqual(['10.0.0.5', '192.168.0.0/16', 'fd00::/8']);
    });

    it('refuses a header name that is not one, and proxies that are not addresses', () => {
      expect(
        problem({ ONEGATE_TLS_CLIENT_CERT_HEADER: 'x ssl: cert', ONEGATE_TRUSTED_PROXIES: '10.0.0.1' }),
      ).toMatch(/tlsClientCertHeader \(ONEGATE_TLS_CLIENT_CERT_HEADER\): must be an HTTP header name/);
      for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129', '10.0.0.0/x']) {
        expect(problem({ ONEGATE_TRUSTED_PROXIES: bad })).toMatch(
          /trustedProxies \(ONEGATE_TRUSTED_PROXIES\): must be IP addresses or CIDR blocks/,
        );
      }
    });
  });

  describe('in production', () => {
    it('refuses a plain-HTTP issuer and public metrics', () => {
      const message = problem({ ONEGATE_ENV: 'production' });
      expect(message).toMatch(/issuer \(ONEGATE_ISSUER\): must be an https:\/\/ URL in production/);
      expect(message).toMatch(/metricsToken \(ONEGATE_METRICS_TOKEN\): required in production/);
    });

    it('accepts a complete configuration', () => {
      const config = loadConfig({
        ONEGATE_ENV: 'production',
        ONEGATE_ISSUER: 'https://id.gov.example',
        ONEGATE_METRICS_TOKEN: 'm'.repeat(40),
      });
      expect(config.env).toBe('production');
    });

    const production = {
      ONEGATE_ENV: 'production',
      ONEGATE_ISSUER: 'https://id.gov.example',
      ONEGATE_METRICS_TOKEN: 'm'.repeat(40),
    };

    it('refuses a database, SIEM or witness reached without verified TLS (ASVS 12.3.1, 16.4.3)', () => {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [
          { ONEGATE_DATABASE_URL: 'postgres://og:hunter2@db.gov.example/og?sslmode=disable' },
          /databaseUrl \(ONEGATE_DATABASE_URL\): sslmode=disable turns TLS off: use sslmode=verify-full in production/,
        ],
        [
          { ONEGATE_DATABASE_URL: 'postgres://og:hunter2@db.gov.example/og' },
          /databaseUrl \(ONEGATE_DATABASE_URL\): TLS is off \(no sslmode\)/,
        ],
        [
          { ONEGATE_DATABASE_URL: 'postgres://og:hunter2@db.gov.example/og?sslmode=require' },
          /databaseUrl \(ONEGATE_DATABASE_URL\): sslmode=require does not insist/,
        ],
        [
          { ONEGATE_AUDIT_FORWARD: 'udp://siem.gov.example:514' },
          /auditForward \(ONEGATE_AUDIT_FORWARD\): udp:\/\/ sends audit events in clear text/,
        ],
        [
          { ONEGATE_AUDIT_FORWARD: 'tcp://siem.gov.example:6514' },
          /auditForward \(ONEGATE_AUDIT_FORWARD\): tcp:\/\/ sends audit events in clear text/,
        ],
        [
          { ONEGATE_AUDIT_WITNESSES: 'https://w1.example/add, http://w2.example/add' },
          /auditWitnesses \(ONEGATE_AUDIT_WITNESSES\): witness 2 is http:\/\//,
        ],
      ];
      for (const [env, why] of cases) {
        const message = problem({ ...production, ...env });
        expect(message).toMatch(why);
        expect(message).not.toContain('hunter2');
        // Development keeps them: a laptop's database and SIEM are local or trials.
        expect(() => loadConfig(env)).not.toThrow();
      }
    });

    it('accepts verify-full, a local database, tls:// and file:// forwarding, https:// and file:// witnesses', () => {
      for (const env of [
        { ONEGATE_DATABASE_URL: 'postgres://og@db.gov.example/og?sslmode=verify-full' },
        { ONEGATE_DATABASE_URL: 'postgres://og@127.0.0.1:5432/og' },
        { ONEGATE_DATABASE_URL: 'postgres://og@/og?host=/var/run/postgresql' },
        {
          ONEGATE_AUDIT_FORWARD: 'tls://siem.gov.example:6514',
          ONEGATE_AUDIT_FORWARD_CA: '/etc/siem-ca.pem',
        },
        { ONEGATE_AUDIT_FORWARD: 'file:///var/log/onegate-audit.log' },
        { ONEGATE_AUDIT_WITNESSES: 'https://w.example/add,file:///var/lib/onegate/checkpoints' },
      ]) {
        expect(loadConfig({ ...production, ...env }).env).toBe('production');
      }
    });
  });

  describe('SIEM forwarding', () => {
    it('takes a tls, tcp, udp or file target, and a CA only for tls', () => {
      expect(problem({ ONEGATE_AUDIT_FORWARD: 'http://siem.example/ingest' })).toMatch(
        /auditForward \(ONEGATE_AUDIT_FORWARD\): must be tls:\/\/host:port/,
      );
      expect(problem({ ONEGATE_AUDIT_FORWARD: 'tls://siem.example' })).toMatch(/auditForward/);
      expect(
        problem({ ONEGATE_AUDIT_FORWARD: 'tcp://siem.example:6514', ONEGATE_AUDIT_FORWARD_CA: '/ca.pem' }),
      ).toMatch(/auditForwardCa \(ONEGATE_AUDIT_FORWARD_CA\): needs a tls:\/\/ auditForward/);
      expect(
        loadConfig({ ONEGATE_AUDIT_FORWARD: 'tls://[::1]:6514', ONEGATE_AUDIT_FORWARD_CA: '/ca.pem' }),
      ).toMatchObject({ auditForward: 'tls://[::1]:6514', auditForwardCa: '/ca.pem' });
    });
  });
});

describe('the README', () => {
  it('documents every setting and its variable', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const { settings } = await import('../src/index.ts');
    for (const [key, setting] of Object.entries(settings)) {
      // Prettier pads table cells, so compare rows with spacing squeezed out.
      expect(readme.replace(/ +/g, ' ')).toContain(`| \`${key}\` | \`${setting.env}\` |`);
    }
  });
});
