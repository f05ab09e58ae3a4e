import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority, createCrl, readCrl } from '../../src/index.ts';
import { serverError } from './tools.ts';

const DAY = 86_400_000;
const ca = createCertificateAuthority({ commonName: 'CRL CA', permittedHosts: [], days: 30 });
const caCert = new X509Certificate(ca.certPem);
const thisUpdate = new Date('2030-01-02T03:04:05.678Z');
const nextUpdate = new Date('2030-01-09T03:04:05Z');

describe('createCrl / readCrl', () => {
  it('round-trips dates, number and revoked serials, normalised as X509Certificate prints them', () => {
    const pem = createCrl(ca, {
      revoked: [
        { serial: '00ab:cd', revokedAt: new Date('2029-12-31T00:00:00Z'), reason: 'superseded' },
        { serial: '7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', revokedAt: new Date('2029-12-31T00:00:00Z') },
        { serial: 'ff', revokedAt: new Date('2029-12-31T00:00:00Z'), reason: 'unspecified' },
      ],
      crlNumber: 300,
      thisUpdate,
      nextUpdate,
    });
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+\n-----END X509 CRL-----\n$/);
    expect(readCrl(pem, caCert)).toEqual({
      thisUpdate: new Date('2030-01-02T03:04:05Z'),
      nextUpdate,
      crlNumber: 300,
      revoked: new Set(['ABCD', '7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', 'FF']),
    });
  });

  it('writes GeneralizedTime from 2050 on', () => {
    const pem = createCrl(ca, {
      revoked: [],
      crlNumber: 1,
      thisUpdate: new Date('2051-05-06T07:08:09Z'),
      nextUpdate: new Date('2051-05-07T00:00:00Z'),
    });
    expect(readCrl(pem, caCert)).toMatchObject({
      thisUpdate: new Date('2051-05-06T07:08:09Z'),
      revoked: new Set(),
    });
  });

  it('refuses a CRL signed by another CA, and one whose signed part was altered', () => {
    const other = createCertificateAuthority({ commonName: 'CRL CA', permittedHosts: [], days: 30 });
    const foreign = createCrl(other, { revoked: [], crlNumber: 1, nextUpdate: new Date(Date.now() + DAY) });
    expect(serverError(() => readCrl(foreign, caCert), 'ERR_TLS_CONFIG').message).toBe(
      'the CRL signature does not verify against its CA certificate',
    );
    const pem = createCrl(ca, {
      revoked: [{ serial: '1234', revokedAt: thisUpdate }],
      crlNumber: 1,
      thisUpdate,
      nextUpdate,
    });
    const der = Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64');
    der[der.indexOf(Buffer.from([0x02, 0x02, 0x12, 0x34])) + 3] = 0x35; // revoke 1235 instead
    const altered = `-----BEGIN X509 CRL-----\n${der.toString('base64')}\n-----END X509 CRL-----\n`;
    expect(serverError(() => readCrl(altered, caCert), 'ERR_TLS_CONFIG').message).toBe(
      'the CRL signature does not verify against its CA certificate',
    );
  });

  it('says what is wrong with garbage and truncated CRLs', () => {
    expect(serverError(() => readCrl('garbage', caCert), 'ERR_TLS_CONFIG').message).toBe(
      'expected exactly one PEM "X509 CRL"',
    );
    const pem = createCrl(ca, { revoked: [], crlNumber: 1, nextUpdate: new Date(Date.now() + DAY) });
    const base64 = pem.replace(/-----[A-Z0-9 ]+-----|\s/g, '');
    const truncated = `-----BEGIN X509 CRL-----\n${base64.slice(0, 80)}\n-----END X509 CRL-----\n`;
    expect(serverError(() => readCrl(truncated, caCert), 'ERR_TLS_CONFIG').message).toMatch(
      /^the CRL is malformed/,
    );
  });

  it('refuses nonsense options', () => {
    serverError(
      () => createCrl(ca, { revoked: [], crlNumber: 1, thisUpdate, nextUpdate: thisUpdate }),
      'ERR_CERT_INVALID',
    );
    serverError(() => createCrl(ca, { revoked: [], crlNumber: -1, nextUpdate }), 'ERR_CERT_INVALID');
    serverError(
      () => createCrl(ca, { revoked: [{ serial: 'xyz', revokedAt: thisUpdate }], crlNumber: 1, nextUpdate }),
      'ERR_CERT_INVALID',
    );
  });
});
