import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseForwardedCertificate } from '../src/tls/forwarded-certificate.ts';
import { TestPki } from './tls-openssl.ts';

let pem: string;
let fingerprint: string;

beforeAll(async () => {
  const pki = new TestPki();
  pem = (await pki.client(await pki.ca('OneGate Test CA'), 'tax-office')).certPem;
  fingerprint = new X509Certificate(pem).fingerprint256;
});

describe('a forwarded client certificate header', () => {
  it('is read in the forms proxies send', () => {
    const der = new X509Certificate(pem).raw.toString('base64');
    for (const value of [
      encodeURIComponent(pem), // nginx $ssl_client_escaped_cert, Envoy
      pem.trim().replace(/\n/g, ' '), // Apache, line breaks folded into spaces
      der, // Traefik, HAProxy
    ]) {
      expect(parseForwardedCertificate(value)?.fingerprint256).toBe(fingerprint);
    }
  });

  it('is no certificate when it holds anything else', () => {
    const der = new X509Certificate(pem).raw;
    for (const value of [
      '',
      'null',
      'AAAA',
      '%ZZ',
      'not base64 at all!',
      encodeURIComponent(pem + pem),
      Buffer.concat([der, Buffer.from([0x30, 0x00])]).toString('base64'),
      der.subarray(0, der.length - 10).toString('base64'),
      pem.replace('BEGIN CERTIFICATE', 'BEGIN PRIVATE KEY'),
    ]) {
      expect(parseForwardedCertificate(value)).toBeUndefined();
    }
  });
});
