import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  certificateThumbprint,
  createCertificateAuthority,
  daysUntilExpiry,
  issueClientCertificate,
  issueServerCertificate,
  parseCertificatePem,
} from '../../src/index.ts';
import { serverError } from './tools.ts';

const ca = createCertificateAuthority({
  commonName: 'OneGate test CA',
  permittedHosts: ['gov.example', '10.0.0.0/8'],
  days: 30,
});
const caCert = new X509Certificate(ca.certPem);

describe('createCertificateAuthority', () => {
  it('makes a self-signed ECDSA P-256 CA certificate', () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=OneGate test CA');
    expect(caCert.checkIssued(caCert)).toBe(true);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(caCert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(caCert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('reports the serial as X509Certificate prints it and the expiry it wrote', () => {
    expect(ca.serial).toBe(caCert.serialNumber);
    expect(ca.serial).toMatch(/^[1-7][0-9A-F]{31}$/);
    expect(ca.notAfter).toEqual(caCert.validToDate);
    expect(daysUntilExpiry(caCert)).toBe(29);
  });

  it('back-dates notBefore by five minutes for clock skew', () => {
    const skew = Date.now() - caCert.validFromDate.getTime();
    expect(skew).toBeGreaterThanOrEqual(5 * 60_000 - 1000);
    expect(skew).toBeLessThan(6 * 60_000);
  });

  it('gives every certificate a different serial', () => {
    const other = createCertificateAuthority({ commonName: 'x', permittedHosts: [], days: 1 });
    expect(other.serial).not.toBe(ca.serial);
  });

  it('refuses a host that is neither a DNS name nor an address, and a silly lifetime', () => {
    expect(
      serverError(
        () => createCertificateAuthority({ commonName: 'x', permittedHosts: ['a b'], days: 1 }),
        'ERR_CERT_INVALID',
      ).message,
    ).toBe('"a b" is neither a DNS name nor an IP address');
    serverError(
      () => createCertificateAuthority({ commonName: 'x', permittedHosts: ['10.0.0.0/33'], days: 1 }),
      'ERR_CERT_INVALID',
    );
    serverError(
      () => createCertificateAuthority({ commonName: 'x', permittedHosts: [], days: 0 }),
      'ERR_CERT_INVALID',
    );
    serverError(
      () => createCertificateAuthority({ commonName: 'x', permittedHosts: [], days: 1.5 }),
      'ERR_CERT_INVALID',
    );
  });
});

describe('issueServerCertificate', () => {
  const server = issueServerCertificate(ca, { hosts: ['api.gov.example', '10.1.2.3'], days: 10 });
  const cert = new X509Certificate(server.certPem);

  it('is signed by the CA and names the hosts in its SAN', () => {
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('DNS:api.gov.example, IP Address:10.1.2.3');
    expect(cert.checkHost('api.gov.example')).toBe('api.gov.example');
    expect(cert.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(server.subject).toBe('CN=api.gov.example,O=OneGate');
    expect(cert.checkPrivateKey(createPrivateKey(server.keyPem))).toBe(true);
  });

  it('refuses bad hosts, no hosts, and a lifetime beyond the CA', () => {
    serverError(() => issueServerCertificate(ca, { hosts: [], days: 1 }), 'ERR_CERT_INVALID');
    serverError(() => issueServerCertificate(ca, { hosts: ['-bad-.example'], days: 1 }), 'ERR_CERT_INVALID');
    expect(
      serverError(
        () => issueServerCertificate(ca, { hosts: ['api.gov.example'], days: 60 }),
        'ERR_CERT_INVALID',
      ).message,
    ).toBe('the CA expires before 60 days from now; issue fewer days');
  });
});

describe('issueClientCertificate', () => {
  const client = issueClientCertificate(ca, { clientId: 'billing', days: 10 });
  const cert = new X509Certificate(client.certPem);

  it('binds subject and SAN URI to the client id', () => {
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subject).toBe('O=OneGate service clients\nCN=billing');
    expect(client.subject).toBe('CN=billing,O=OneGate service clients');
    expect(cert.subjectAltName).toBe('URI:urn:onegate:client:billing');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.issuer).toBe(caCert.subject);
    expect(client.serial).toBe(cert.serialNumber);
  });

  it('starts at a given notBefore, so tests can make expired certificates', () => {
    const notBefore = new Date(Date.now() - 10 * 86_400_000);
    const old = new X509Certificate(
      issueClientCertificate(ca, { clientId: 'old', days: 2, notBefore }).certPem,
    );
    expect(old.validFromDate.getTime()).toBe(Math.floor(notBefore.getTime() / 1000) * 1000);
    expect(old.validToDate.getTime() - old.validFromDate.getTime()).toBe(2 * 86_400_000);
    expect(daysUntilExpiry(old, new Date(old.validFromDate.getTime() + 10 * 86_400_000))).toBe(-8);
    expect(daysUntilExpiry(old, new Date(old.validToDate.getTime() - 1.5 * 86_400_000))).toBe(1);
  });

  it('refuses client ids that cannot sit in a URN or a common name', () => {
    for (const clientId of ['', 'has space', 'x'.repeat(65), 'ünï', '-leading']) {
      serverError(() => issueClientCertificate(ca, { clientId, days: 1 }), 'ERR_CERT_INVALID');
    }
  });

  it('refuses a CA whose key does not match, a non-CA, and garbage', () => {
    const other = createCertificateAuthority({ commonName: 'other', permittedHosts: [], days: 30 });
    expect(
      serverError(
        () =>
          issueClientCertificate({ certPem: ca.certPem, keyPem: other.keyPem }, { clientId: 'a', days: 1 }),
        'ERR_CERT_INVALID',
      ).message,
    ).toBe('the CA key does not belong to the CA certificate');
    expect(
      serverError(() => issueClientCertificate(client, { clientId: 'a', days: 1 }), 'ERR_CERT_INVALID')
        .message,
    ).toBe('the CA certificate is not a CA (basicConstraints CA:TRUE)');
    expect(
      serverError(
        () => issueClientCertificate({ certPem: 'hello', keyPem: ca.keyPem }, { clientId: 'a', days: 1 }),
        'ERR_CERT_INVALID',
      ).message,
    ).toBe('the CA certificate is not a PEM certificate');
    expect(
      serverError(
        () => issueClientCertificate({ certPem: ca.certPem, keyPem: 'nope' }, { clientId: 'a', days: 1 }),
        'ERR_CERT_INVALID',
      ).message,
    ).toBe('the CA key is not a PEM private key');
  });
});

describe('parseCertificatePem', () => {
  it('reads the first certificate of a chain file', () => {
    const server = issueServerCertificate(ca, { hosts: ['gov.example'], days: 1 });
    const cert = parseCertificatePem(`leaf first\n${server.certPem}${ca.certPem}`, 'the server certificate');
    expect(cert.serialNumber).toBe(server.serial);
  });

  it('says what is wrong with garbage and truncated certificates', () => {
    expect(
      serverError(() => parseCertificatePem('garbage', 'the client certificate'), 'ERR_CERT_INVALID').message,
    ).toBe('the client certificate is not a PEM certificate');
    const lines = ca.certPem.trim().split('\n');
    const truncated = [...lines.slice(0, 4), lines.at(-1)].join('\n');
    expect(
      serverError(() => parseCertificatePem(truncated, 'the client certificate'), 'ERR_CERT_INVALID').message,
    ).toBe('the client certificate is not a PEM certificate: it does not parse');
    const mangled = ca.certPem.replace(/^(-----BEGIN CERTIFICATE-----\n.{10})./m, '$1*');
    serverError(() => parseCertificatePem(mangled, 'x'), 'ERR_CERT_INVALID');
  });
});

describe('certificateThumbprint', () => {
  it('is the base64url SHA-256 of the DER certificate (x5t#S256)', () => {
    const fromFingerprint = Buffer.from(caCert.fingerprint256.replaceAll(':', ''), 'hex').toString(
      'base64url',
    );
    expect(certificateThumbprint(caCert)).toBe(fromFingerprint);
    expect(certificateThumbprint(caCert)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
