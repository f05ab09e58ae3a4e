import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateClientInput, type ClientInput } from '../src/clients/client-input.ts';
import { OpensslCertificates, type TestCertificate } from './support/openssl-certificates.ts';

const SERVICE: ClientInput = { name: 'Pension batch', scopes: ['audit:write'] };
const APP: ClientInput = {
  name: 'Pension portal',
  redirectUris: ['https://pension.example.gov.cn/callback'],
};

/** The refusal message, or 'accepted'. */
function refusal(input: ClientInput): string {
  try {
    validateClientInput(input, false);
    return 'accepted';
  } catch (err) {
    expect(err).toMatchObject({ code: 'ERR_CLIENT_INVALID' });
    return (err as Error).message;
  }
}

describe('registering a service that authenticates with its TLS certificate', () => {
  const certs = new OpensslCertificates();
  let own: TestCertificate;
  let ca: TestCertificate;

  beforeAll(async () => {
    own = await certs.selfSigned('/O=Records office/CN=records-batch');
    ca = await certs.authority();
  });
  afterAll(() => certs.remove());

  it('keeps client_secret_basic the default, and a public app has none', () => {
    expect(validateClientInput(SERVICE, false)).toMatchObject({ auth: 'client_secret_basic' });
    expect(validateClientInput(SERVICE, false).certificate).toBeUndefined();
    expect(validateClientInput({ ...APP, public: true }, false)).toMatchObject({ auth: 'none' });
  });

  describe('with tls_client_auth', () => {
    it('takes exactly one subject value, of any of the five kinds', () => {
      const cases: Array<[Partial<ClientInput>, string, string]> = [
        [
          { certSubject: ' CN=og_abc,O=OneGate service clients ' },
          'tls_client_auth_subject_dn',
          'CN=og_abc,O=OneGate service clients',
        ],
        [{ certSanUri: 'urn:onegate:client:og_abc' }, 'tls_client_auth_san_uri', 'urn:onegate:client:og_abc'],
        [
          { certSanDns: 'batch.pension.example.gov.cn' },
          'tls_client_auth_san_dns',
          'batch.pension.example.gov.cn',
        ],
        [
          { certSanEmail: 'batch@pension.example.gov.cn' },
          'tls_client_auth_san_email',
          'batch@pension.example.gov.cn',
        ],
        [{ certSanIp: '2001:DB8:0:0:0:0:0:7' }, 'tls_client_auth_san_ip', '2001:db8::7'],
      ];
      for (const [fields, match, value] of cases) {
        const client = validateClientInput({ ...SERVICE, auth: 'tls_client_auth', ...fields }, false);
        expect(client).toMatchObject({
          kind: 'service',
          auth: 'tls_client_auth',
          certificate: { match, value },
        });
      }
    });

    it('expects the SAN URI `onegate certs issue` writes when no subject is given and the id is known', () => {
      const client = validateClientInput({ ...SERVICE, auth: 'tls_client_auth' }, false, 'og_abc');
      expect(client.certificate).toEqual({
        match: 'tls_client_auth_san_uri',
        value: 'urn:onegate:client:og_abc',
      });
      // A subject given wins over that default.
      expect(
        validateClientInput({ ...SERVICE, auth: 'tls_client_auth', certSubject: 'CN=x' }, false, 'og_abc')
          .certificate,
      ).toEqual({ match: 'tls_client_auth_subject_dn', value: 'CN=x' });
    });

    it('refuses no subject, two subjects, a value no certificate could have, and a certificate', () => {
      const tls = { ...SERVICE, auth: 'tls_client_auth' as const };
      expect(refusal(tls)).toContain('needs exactly one of');
      expect(refusal({ ...tls, certSanUri: 'urn:onegate:client:a', certSubject: 'CN=a' })).toContain(
        'needs exactly one of',
      );
      expect(refusal({ ...tls, certSubject: 'og_abc' })).toContain('RFC 4514');
      expect(refusal({ ...tls, certSubject: '' })).toContain('empty');
      expect(refusal({ ...tls, certSanUri: 'not a uri' })).toContain('absolute URI');
      expect(refusal({ ...tls, certSanDns: 'bad_host..gov' })).toContain('host name');
      expect(refusal({ ...tls, certSanEmail: 'nobody' })).toContain('e-mail');
      expect(refusal({ ...tls, certSanIp: '10.0.0.256' })).toContain('IP address');
      expect(refusal({ ...tls, certSanUri: 'urn:a', certificatePem: own.pem })).toContain(
        'not a certificate',
      );
    });
  });

  describe('with self_signed_tls_client_auth', () => {
    it('keeps the certificate, its x5t#S256 thumbprint, subject and expiry', () => {
      const client = validateClientInput(
        { ...SERVICE, auth: 'self_signed_tls_client_auth', certificatePem: `\n${own.pem}\n` },
        false,
      );
      expect(client.certificate).toEqual({
        pem: own.certificate.toString(),
        thumbprint: createHash('sha256').update(own.certificate.raw).digest('base64url'),
        subject: 'CN=records-batch,O=Records office',
        notAfter: own.certificate.validToDate.toISOString(),
      });
    });

    it('refuses garbage, a CA certificate, two certificates, a private key, and a subject instead', () => {
      const selfSigned = { ...SERVICE, auth: 'self_signed_tls_client_auth' as const };
      expect(refusal(selfSigned)).toContain('needs the client certificate');
      expect(refusal({ ...selfSigned, certificatePem: 'hello' })).toContain('exactly one PEM certificate');
      expect(
        refusal({
          ...selfSigned,
          certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        }),
      ).toContain('not a PEM certificate');
      expect(refusal({ ...selfSigned, certificatePem: ca.pem })).toContain('CA certificate');
      expect(refusal({ ...selfSigned, certificatePem: own.pem + ca.pem })).toContain('exactly one');
      const key = readFileSync(own.keyPath, 'utf8');
      expect(refusal({ ...selfSigned, certificatePem: own.pem + key })).toContain('never its private key');
      expect(refusal({ ...selfSigned, certificatePem: own.pem, certSubject: 'CN=x' })).toContain(
        'not a subject',
      );
    });
  });

  it('refuses an unknown method, certificate fields without a TLS method, and TLS for a sign-in app', () => {
    expect(refusal({ ...SERVICE, auth: 'private_key_jwt' as ClientInput['auth'] })).toContain(
      'auth must be one of client_secret_basic, tls_client_auth, self_signed_tls_client_auth',
    );
    expect(refusal({ ...SERVICE, certSanUri: 'urn:onegate:client:a' })).toContain(
      'certificate options need auth tls_client_auth or self_signed_tls_client_auth',
    );
    expect(refusal({ ...APP, auth: 'tls_client_auth', certSanUri: 'urn:onegate:client:a' })).toContain(
      'only a service client',
    );
    expect(refusal({ ...APP, auth: 'self_signed_tls_client_auth', certificatePem: own.pem })).toContain(
      'only a service client',
    );
  });
});
