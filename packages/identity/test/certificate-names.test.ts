import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseDistinguishedName,
  sanMatches,
  subjectAltNames,
  subjectMatches,
} from '../src/provider/certificate-names.ts';
import { OpensslCertificates, type TestCertificate } from './support/openssl-certificates.ts';

describe('matching a client certificate to its registration (RFC 8705 §2.1.2)', () => {
  const certs = new OpensslCertificates();
  let ca: TestCertificate;
  let client: TestCertificate;
  let tricky: TestCertificate;

  beforeAll(async () => {
    ca = await certs.authority();
    client = await certs.issue(ca, '/C=CN/O=OneGate service clients/CN=og_abc', [
      'URI:urn:onegate:client:og_abc',
      'DNS:Batch.Pension.example.gov.cn',
      'email:batch@pension.example.gov.cn',
      'IP:10.20.0.7',
      'IP:2001:db8::7',
    ]);
    // Values with the characters that need escaping, and a multi-valued RDN.
    tricky = await certs.issue(ca, '/O=Ministry\\, Finance+OU=Pay "A"/CN=og_x\\\\y', [
      'URI:https://svc.example/a,urn:onegate:client:og_evil',
    ]);
  });
  afterAll(() => certs.remove());

  describe('by subject DN', () => {
    it('matches the RFC 4514 string (most specific first) and the certificate order', () => {
      expect(subjectMatches(client.certificate, 'CN=og_abc,O=OneGate service clients,C=CN')).toBe(true);
      expect(subjectMatches(client.certificate, 'C=CN, O=OneGate service clients, CN=og_abc')).toBe(true);
    });

    it('compares type names without case, by OID too, and values exactly', () => {
      expect(subjectMatches(client.certificate, 'cn=og_abc,o=OneGate service clients,c=CN')).toBe(true);
      expect(subjectMatches(client.certificate, '2.5.4.3=og_abc,2.5.4.10=OneGate service clients,C=CN')).toBe(
        true,
      );
      expect(subjectMatches(client.certificate, 'CN=OG_ABC,O=OneGate service clients,C=CN')).toBe(false);
    });

    it('refuses a DN with an attribute more, less, or in the middle moved', () => {
      expect(subjectMatches(client.certificate, 'CN=og_abc,O=OneGate service clients')).toBe(false);
      expect(subjectMatches(client.certificate, 'CN=og_abc,OU=x,O=OneGate service clients,C=CN')).toBe(false);
      expect(subjectMatches(client.certificate, 'O=OneGate service clients,CN=og_abc,C=CN')).toBe(false);
    });

    it('undoes escapes and compares multi-valued RDNs as sets', () => {
      expect(tricky.certificate.subject).toContain('\\,');
      expect(subjectMatches(tricky.certificate, 'CN=og_x\\\\y,OU=Pay \\"A\\"+O=Ministry\\, Finance')).toBe(
        true,
      );
      expect(subjectMatches(tricky.certificate, 'CN=og_x\\5Cy,O=Ministry\\2C Finance+OU=Pay "A"')).toBe(true);
      // Unescaped, the comma splits the RDN: a different name.
      expect(subjectMatches(tricky.certificate, 'CN=og_x\\\\y,OU=Pay "A"+O=Ministry, Finance')).toBe(false);
    });

    it('reads RFC 4514 escapes and refuses what is not a DN', () => {
      expect(parseDistinguishedName('CN=a\\,b\\2Bc\\20,O=x\\E4\\B8\\AD')).toEqual([
        [{ type: 'cn', value: 'a,b+c ' }],
        [{ type: 'o', value: 'x中' }],
      ]);
      for (const bad of ['', 'og_abc', 'CN=#0403616263', 'CN=a+', '=x', 'C N=x', 'CN=a\\']) {
        expect(parseDistinguishedName(bad), bad).toBeUndefined();
      }
    });
  });

  describe('by subjectAltName', () => {
    it('matches each SAN type exactly, DNS names without case and IP addresses in any spelling', () => {
      const cert = client.certificate;
      expect(sanMatches(cert, 'URI', 'urn:onegate:client:og_abc')).toBe(true);
      expect(sanMatches(cert, 'URI', 'urn:onegate:client:og_ab')).toBe(false);
      expect(sanMatches(cert, 'URI', 'URN:ONEGATE:CLIENT:OG_ABC')).toBe(false);
      expect(sanMatches(cert, 'DNS', 'batch.pension.example.gov.cn')).toBe(true);
      expect(sanMatches(cert, 'DNS', 'pension.example.gov.cn')).toBe(false);
      expect(sanMatches(cert, 'email', 'batch@pension.example.gov.cn')).toBe(true);
      expect(sanMatches(cert, 'IP Address', '10.20.0.7')).toBe(true);
      expect(sanMatches(cert, 'IP Address', '2001:DB8:0:0:0:0:0:7')).toBe(true);
      expect(sanMatches(cert, 'IP Address', '2001:db8::7')).toBe(true);
      expect(sanMatches(cert, 'IP Address', '10.20.0.70')).toBe(false);
      // A value of one type never matches as another.
      expect(sanMatches(cert, 'DNS', 'urn:onegate:client:og_abc')).toBe(false);
    });

    it('reads a quoted entry whole, so a comma inside it cannot make a second entry', () => {
      const cert = tricky.certificate;
      expect(cert.subjectAltName).toContain('"');
      expect(subjectAltNames(cert)).toEqual([
        { type: 'URI', value: 'https://svc.example/a,urn:onegate:client:og_evil' },
      ]);
      expect(sanMatches(cert, 'URI', 'urn:onegate:client:og_evil')).toBe(false);
      expect(sanMatches(cert, 'URI', 'https://svc.example/a,urn:onegate:client:og_evil')).toBe(true);
    });

    it('matches nothing in a certificate without subjectAltName', () => {
      expect(subjectAltNames(ca.certificate)).toEqual([]);
      expect(sanMatches(ca.certificate, 'URI', 'urn:onegate:client:og_abc')).toBe(false);
    });
  });
});
