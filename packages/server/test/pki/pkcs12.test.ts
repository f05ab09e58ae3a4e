import { createSecureContext } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority, exportPkcs12, issueClientCertificate } from '../../src/index.ts';
import { serverError } from './tools.ts';

const ca = createCertificateAuthority({ commonName: 'P12 CA', permittedHosts: [], days: 30 });
const client = issueClientCertificate(ca, { clientId: 'billing', days: 10 });

describe('exportPkcs12', () => {
  it('makes a file Node’s TLS (OpenSSL) loads with the password, and not without it', () => {
    const pfx = exportPkcs12({
      ...client,
      chainPems: [ca.certPem],
      password: 'correct horse',
      friendlyName: 'billing',
    });
    expect(() => createSecureContext({ pfx, passphrase: 'correct horse' })).not.toThrow();
    expect(() => createSecureContext({ pfx, passphrase: 'wrong horse' })).toThrow(/mac verify failure/i);
  });

  it('refuses an empty password and a key that is not the certificate’s', () => {
    serverError(() => exportPkcs12({ ...client, chainPems: [], password: '' }), 'ERR_CERT_INVALID');
    const other = issueClientCertificate(ca, { clientId: 'other', days: 10 });
    expect(
      serverError(
        () => exportPkcs12({ certPem: client.certPem, keyPem: other.keyPem, chainPems: [], password: 'x' }),
        'ERR_CERT_INVALID',
      ).message,
    ).toBe('the key does not belong to the certificate');
    serverError(() => exportPkcs12({ ...client, chainPems: ['garbage'], password: 'x' }), 'ERR_CERT_INVALID');
  });
});
