import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkClientCertificate,
  createCertificateAuthority,
  createCrl,
  issueClientCertificate,
  issueServerCertificate,
  loadTrustAnchors,
} from '../../src/index.ts';
import { serverError } from './tools.ts';

const DAY = 86_400_000;
const ca = createCertificateAuthority({
  commonName: 'Trusted CA',
  permittedHosts: ['gov.example'],
  days: 30,
});
const otherCa = createCertificateAuthority({ commonName: 'Other CA', permittedHosts: [], days: 30 });
const x509 = (pem: string) => new X509Certificate(pem);

const good = issueClientCertificate(ca, { clientId: 'billing', days: 10 });
const revoked = issueClientCertificate(ca, { clientId: 'leaked', days: 10 });
const crl = createCrl(ca, {
  revoked: [{ serial: revoked.serial, revokedAt: new Date(), reason: 'keyCompromise' }],
  crlNumber: 1,
  nextUpdate: new Date(Date.now() + 7 * DAY),
});
const trust = loadTrustAnchors(ca.certPem, [crl]);

describe('checkClientCertificate', () => {
  it('authorizes a client certificate of a configured CA', () => {
    expect(checkClientCertificate(x509(good.certPem), trust)).toEqual({ authorized: true });
  });

  it('reports a certificate on its CA’s CRL as revoked', () => {
    expect(checkClientCertificate(x509(revoked.certPem), trust)).toEqual({
      authorized: false,
      problem: 'revoked',
    });
  });

  it('reports expired and not-yet-valid certificates', () => {
    const expired = issueClientCertificate(ca, {
      clientId: 'old',
      days: 1,
      notBefore: new Date(Date.now() - 3 * DAY),
    });
    expect(checkClientCertificate(x509(expired.certPem), trust)).toEqual({
      authorized: false,
      problem: 'expired',
    });
    const future = issueClientCertificate(ca, {
      clientId: 'new',
      days: 1,
      notBefore: new Date(Date.now() + DAY),
    });
    expect(checkClientCertificate(x509(future.certPem), trust)).toEqual({
      authorized: false,
      problem: 'not_yet_valid',
    });
    // …and judges by the clock it is given.
    expect(checkClientCertificate(x509(good.certPem), trust, new Date(Date.now() + 11 * DAY)).problem).toBe(
      'expired',
    );
    expect(checkClientCertificate(x509(good.certPem), trust, new Date(Date.now() - DAY)).problem).toBe(
      'not_yet_valid',
    );
  });

  it('does not trust another CA’s client certificate, a self-signed one, or any without trust anchors', () => {
    const foreign = issueClientCertificate(otherCa, { clientId: 'billing', days: 10 });
    expect(checkClientCertificate(x509(foreign.certPem), trust)).toEqual({
      authorized: false,
      problem: 'untrusted',
    });
    const selfSigned = createCertificateAuthority({ commonName: 'billing', permittedHosts: [], days: 10 });
    expect(checkClientCertificate(x509(selfSigned.certPem), trust).problem).toBe('untrusted');
    expect(checkClientCertificate(x509(good.certPem), undefined)).toEqual({
      authorized: false,
      problem: 'untrusted',
    });
  });

  it('does not accept a CA certificate or a server-only certificate as a client certificate', () => {
    expect(checkClientCertificate(x509(ca.certPem), trust).problem).toBe('untrusted');
    const server = issueServerCertificate(ca, { hosts: ['api.gov.example'], days: 10 });
    expect(checkClientCertificate(x509(server.certPem), trust).problem).toBe('untrusted');
  });

  it('does not trust a certificate whose issuer name matches but whose signature does not', () => {
    const impostor = createCertificateAuthority({ commonName: 'Trusted CA', permittedHosts: [], days: 30 });
    const forged = issueClientCertificate(impostor, { clientId: 'billing', days: 10 });
    expect(x509(forged.certPem).issuer).toBe(x509(ca.certPem).subject);
    expect(checkClientCertificate(x509(forged.certPem), trust).problem).toBe('untrusted');
  });
});

describe('loadTrustAnchors', () => {
  it('keeps each CA’s revoked serials under its fingerprint', () => {
    const both = loadTrustAnchors(`${ca.certPem}${otherCa.certPem}`, [crl]);
    expect(both.cas).toHaveLength(2);
    expect(both.revoked).toEqual(new Map([[x509(ca.certPem).fingerprint256, new Set([revoked.serial])]]));
    const foreign = issueClientCertificate(otherCa, { clientId: 'billing', days: 10 });
    expect(checkClientCertificate(x509(foreign.certPem), both)).toEqual({ authorized: true });
  });

  it('merges several CRLs of the same CA', () => {
    const second = createCrl(ca, {
      revoked: [{ serial: good.serial, revokedAt: new Date() }],
      crlNumber: 2,
      nextUpdate: new Date(Date.now() + DAY),
    });
    const merged = loadTrustAnchors(ca.certPem, [crl, second]);
    expect(checkClientCertificate(x509(good.certPem), merged).problem).toBe('revoked');
    expect(checkClientCertificate(x509(revoked.certPem), merged).problem).toBe('revoked');
  });

  it('refuses garbage, a truncated certificate and a non-CA certificate in the CA file', () => {
    expect(serverError(() => loadTrustAnchors('not a pem', []), 'ERR_TLS_CONFIG').message).toBe(
      'the CA file is not a PEM certificate',
    );
    const truncated = ca.certPem.slice(0, 200) + '\n-----END CERTIFICATE-----\n';
    serverError(() => loadTrustAnchors(truncated, []), 'ERR_TLS_CONFIG');
    expect(
      serverError(() => loadTrustAnchors(`${ca.certPem}${good.certPem}`, []), 'ERR_TLS_CONFIG').message,
    ).toBe('certificate 2 of the CA file is not a CA (basicConstraints CA:TRUE)');
  });

  it('refuses a CRL signed by a CA that is not configured, and a CRL file without a CRL', () => {
    const foreignCrl = createCrl(otherCa, {
      revoked: [],
      crlNumber: 1,
      nextUpdate: new Date(Date.now() + DAY),
    });
    expect(serverError(() => loadTrustAnchors(ca.certPem, [foreignCrl]), 'ERR_TLS_CONFIG').message).toBe(
      'a CRL in CRL file 1 is not signed by any configured CA',
    );
    expect(serverError(() => loadTrustAnchors(ca.certPem, [crl, ca.certPem]), 'ERR_TLS_CONFIG').message).toBe(
      'CRL file 2 holds no PEM "X509 CRL"',
    );
  });
});
