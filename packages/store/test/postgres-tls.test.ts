import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { postgresTlsProblem } from '../src/index.ts';

// The parser pg itself uses, to check that we read a URL's host and sslmode as pg does.
const pgPath = createRequire(import.meta.url).resolve('pg');
const parsePg = createRequire(pgPath)('pg-connection-string') as (url: string) => {
  host?: string;
  ssl?: boolean | { rejectUnauthorized?: boolean; checkServerIdentity?: unknown };
};

describe('postgresTlsProblem', () => {
  it('accepts sslmode=verify-full, which pg runs as TLS with the certificate and host name verified', () => {
    for (const url of [
      'postgres://onegate:secret@db.gov.example:5432/onegate?sslmode=verify-full',
      'postgresql://onegate@10.0.0.5/onegate?sslmode=verify-full&sslrootcert=/etc/onegate/db-ca.pem',
      'postgres://onegate@db.gov.example/onegate?sslmode=disable&sslmode=verify-full',
      'postgres://onegate@db.gov.example/onegate?uselibpqcompat=true&sslmode=verify-full',
    ]) {
      expect(postgresTlsProblem(url), url).toBeUndefined();
      const { ssl } = parsePg(url.replace(/&sslrootcert=[^&]*/, ''));
      expect(ssl, url).toEqual({});
    }
  });

  it('refuses a remote host with TLS off, optional or unverified, saying why and never echoing the URL', () => {
    const cases: Array<[string, RegExp]> = [
      ['postgres://onegate:hunter2@db.gov.example/onegate', /TLS is off \(no sslmode\)/],
      ['postgres://onegate:hunter2@db.gov.example/onegate?sslmode=disable', /sslmode=disable turns TLS off/],
      ['postgres://onegate:hunter2@db.gov.example/onegate?sslmode=allow', /sslmode=allow does not insist/],
      ['postgres://onegate:hunter2@db.gov.example/onegate?sslmode=prefer', /sslmode=prefer does not insist/],
      [
        'postgres://onegate:hunter2@db.gov.example/onegate?sslmode=require',
        /sslmode=require does not insist/,
      ],
      ['postgres://onegate:hunter2@db.gov.example/onegate?sslmode=verify-ca', /sslmode=verify-ca/],
      ['postgres://onegate:hunter2@db.gov.example/onegate?sslmode=no-verify', /sslmode=no-verify/],
      ['postgres://onegate:hunter2@db.gov.example/onegate?sslmode=Verify-Full', /sslmode is not verify-full/],
      // pg takes the last of a repeated parameter.
      ['postgres://onegate:hunter2@db.gov.example/onegate?sslmode=verify-full&sslmode=disable', /disable/],
      // host= wins over the URL's host, and an empty host is not known to be local.
      ['postgres://onegate:hunter2@localhost/onegate?host=db.gov.example', /TLS is off/],
      ['postgres://onegate:hunter2@/onegate', /TLS is off/],
    ];
    for (const [url, why] of cases) {
      const problem = postgresTlsProblem(url);
      expect(problem, url).toMatch(why);
      expect(problem).not.toContain('hunter2');
    }
  });

  it('needs no TLS to a loopback host or a Unix socket', () => {
    for (const url of [
      'postgres://postgres@127.0.0.1:5432/test',
      'postgres://postgres@localhost/test?sslmode=disable',
      'postgres://postgres@[::1]:5432/test',
      'postgres://postgres@db.gov.example/test?host=/var/run/postgresql',
      'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test',
      'postgres://postgres@/test?host=/var/run/postgresql',
    ]) {
      expect(postgresTlsProblem(url), url).toBeUndefined();
      expect(parsePg(url).host, url).toMatch(/^(127\.0\.0\.1|localhost|::1|\/var\/run\/postgresql)$/);
    }
  });
});
