import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkClientCertificate,
  createCertificateAuthority,
  createCrl,
  exportPkcs12,
  issueClientCertificate,
  issueServerCertificate,
  loadTrustAnchors,
  readCrl,
} from '../../src/index.ts';
import { openssl, tempDir } from './tools.ts';

// Certificates, PKCS#12 files and CRLs made here must satisfy OpenSSL, and OpenSSL's must satisfy us.

describe('what OneGate makes, checked by the openssl CLI', () => {
  const tmp = tempDir('pki-openssl');
  afterAll(() => tmp.remove());

  const ca = createCertificateAuthority({
    commonName: 'OneGate dev CA',
    permittedHosts: ['gov.example', '127.0.0.1', '10.0.0.0/8'],
    days: 30,
  });
  const server = issueServerCertificate(ca, { hosts: ['onegate.gov.example', '127.0.0.1'], days: 10 });
  const client = issueClientCertificate(ca, { clientId: 'billing', days: 10 });
  const caFile = tmp.write('ca.pem', ca.certPem);

  it('verifies the server and client certificates against the CA', async () => {
    const serverFile = tmp.write('server.pem', server.certPem);
    const clientFile = tmp.write('client.pem', client.certPem);
    expect(await openssl(['verify', '-CAfile', caFile, serverFile])).toEqual({
      code: 0,
      out: `${serverFile}: OK\n`,
    });
    expect(await openssl(['verify', '-CAfile', caFile, '-purpose', 'sslserver', serverFile])).toMatchObject({
      code: 0,
    });
    expect(await openssl(['verify', '-CAfile', caFile, '-purpose', 'sslclient', clientFile])).toEqual({
      code: 0,
      out: `${clientFile}: OK\n`,
    });
  });

  it('shows ECDSA-SHA256, the CA flags and the name constraints', async () => {
    const { code, out } = await openssl(['x509', '-in', caFile, '-text', '-noout']);
    expect(code).toBe(0);
    expect(out).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(out).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(out).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(out).toMatch(
      /Name Constraints: critical\s+Permitted:\s+DNS:gov\.example\s+IP:127\.0\.0\.1\/255\.255\.255\.255\s+IP:10\.0\.0\.0\/255\.0\.0\.0/,
    );
    expect(out).not.toMatch(/sha1/i);
  });

  it('shows the client’s SAN URI, EKU and the key identifiers linking it to the CA', async () => {
    const { out } = await openssl([
      'x509',
      '-in',
      tmp.write('client-text.pem', client.certPem),
      '-text',
      '-noout',
    ]);
    expect(out).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(out).toContain('URI:urn:onegate:client:billing');
    expect(out).toContain('TLS Web Client Authentication');
    expect(out).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    const caText = (await openssl(['x509', '-in', caFile, '-text', '-noout'])).out;
    const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(caText)?.[1];
    expect(ski).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(out).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${ski}`));
  });

  it('refuses a server certificate for a host outside the name constraints', async () => {
    const outside = issueServerCertificate(ca, { hosts: ['onegate.evil.example'], days: 10 });
    const file = tmp.write('outside.pem', outside.certPem);
    const { code, out } = await openssl(['verify', '-CAfile', caFile, file]);
    expect(code).not.toBe(0);
    expect(out).toContain('permitted subtree violation');
    const outsideIp = issueServerCertificate(ca, { hosts: ['192.168.1.1'], days: 10 });
    expect(
      (await openssl(['verify', '-CAfile', caFile, tmp.write('outside-ip.pem', outsideIp.certPem)])).out,
    ).toContain('permitted subtree violation');
  });

  it('writes PKCS#12 with PBES2/PBKDF2-HMAC-SHA256 × 600000, AES-256-CBC and a SHA-256 MAC', async () => {
    const p12 = tmp.write(
      'client.p12',
      exportPkcs12({
        ...client,
        chainPems: [ca.certPem],
        password: 's3cret pässword',
        friendlyName: 'billing',
      }),
    );
    const info = await openssl(['pkcs12', '-info', '-in', p12, '-passin', 'pass:s3cret pässword', '-nokeys']);
    expect(info.code).toBe(0);
    expect(info.out).toMatch(/^MAC: sha256, Iteration \d+$/m);
    expect(info.out).toContain(
      'Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256',
    );
    expect(info.out.match(/^Certificate bag$/gm)).toHaveLength(2);
    expect(info.out).toContain('friendlyName: billing');
    expect(info.out).toContain('subject=O = OneGate service clients, CN = billing');
    expect(info.out).not.toMatch(/sha1|3DES|RC2/i);
    // The key decrypts to the one in the PEM.
    const key = await openssl([
      'pkcs12',
      '-in',
      p12,
      '-passin',
      'pass:s3cret pässword',
      '-nocerts',
      '-nodes',
    ]);
    const pkcs8 = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(key.out)?.[0];
    expect(pkcs8).toBe(client.keyPem);

    const wrong = await openssl(['pkcs12', '-info', '-in', p12, '-passin', 'pass:wrong', '-nokeys']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toContain('Mac verify error: invalid password?');
  });

  it('verifies the CRL and lists the revoked serial', async () => {
    const crl = tmp.write(
      'crl.pem',
      createCrl(ca, {
        revoked: [{ serial: client.serial, revokedAt: new Date(), reason: 'keyCompromise' }],
        crlNumber: 42,
        nextUpdate: new Date(Date.now() + 86_400_000),
      }),
    );
    const { code, out } = await openssl(['crl', '-in', crl, '-CAfile', caFile, '-noout', '-text']);
    expect(code).toBe(0);
    expect(out).toContain('verify OK');
    expect(out).toContain('Version 2 (0x1)');
    expect(out).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(out).toMatch(/CRL Number:\s+42/);
    expect(out).toContain(`Serial Number: ${client.serial}`);
    expect(out).toMatch(/CRL Reason Code:\s+Key Compromise/);
    // …and openssl refuses the client certificate once it checks that CRL.
    const revoked = await openssl([
      'verify',
      '-crl_check',
      '-CAfile',
      caFile,
      '-CRLfile',
      crl,
      tmp.write('c.pem', client.certPem),
    ]);
    expect(revoked.out).toContain('certificate revoked');
  });
});

describe('what the openssl CLI makes, accepted by OneGate', () => {
  const tmp = tempDir('pki-openssl-ca');
  afterAll(() => tmp.remove());
  const run = async (args: string[]) => {
    const result = await openssl(args, tmp.dir);
    if (result.code !== 0) throw new Error(`openssl ${args[0]} failed: ${result.out}`);
    return result.out;
  };
  const read = (name: string) => readFileSync(join(tmp.dir, name), 'utf8');
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

  beforeAll(async () => {
    tmp.write(
      'openssl.cnf',
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        '[dn]',
        'CN = Operations CA',
        '[v3_ca]',
        'basicConstraints = critical,CA:TRUE',
        'keyUsage = critical,keyCertSign,cRLSign',
        'subjectKeyIdentifier = hash',
        '[client]',
        'basicConstraints = CA:FALSE',
        'keyUsage = critical,digitalSignature',
        'extendedKeyUsage = clientAuth',
        'subjectAltName = URI:urn:onegate:client:ops',
        'authorityKeyIdentifier = keyid',
        '[ca]',
        'default_ca = ca_default',
        '[ca_default]',
        `database = ${join(tmp.dir, 'index.txt')}`,
        `crlnumber = ${join(tmp.dir, 'crlnumber')}`,
        'default_md = sha256',
        'default_crl_days = 7',
        '',
      ].join('\n'),
    );
    tmp.write('index.txt', '');
    tmp.write('crlnumber', '01\n');
    await run([
      'req',
      '-x509',
      '-config',
      'openssl.cnf',
      '-extensions',
      'v3_ca',
      ...ecKey,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '30',
    ]);
    for (const [name, serial] of [
      ['revoked', '0x0abc'], // a leading zero nibble: X509Certificate prints "0ABC", the CRL "ABC"
      ['good', '0x1234'],
    ] as const) {
      await run([
        'req',
        '-new',
        '-config',
        'openssl.cnf',
        ...ecKey,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${name}`,
      ]);
      await run(
        [
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-set_serial',
          serial,
          '-days',
          '10',
        ].concat(['-extfile', 'openssl.cnf', '-extensions', 'client', '-out', `${name}.pem`]),
      );
    }
    await run([
      'ca',
      '-config',
      'openssl.cnf',
      '-revoke',
      'revoked.pem',
      '-keyfile',
      'ca.key',
      '-cert',
      'ca.pem',
    ]);
    await run([
      'ca',
      '-config',
      'openssl.cnf',
      '-gencrl',
      '-keyfile',
      'ca.key',
      '-cert',
      'ca.pem',
      '-out',
      'crl.pem',
    ]);
  });

  it('loads the CA and CRL, accepts the client certificate and reports the revoked one', () => {
    const trust = loadTrustAnchors(read('ca.pem'), [read('crl.pem')]);
    expect(checkClientCertificate(new X509Certificate(read('good.pem')), trust)).toEqual({
      authorized: true,
    });
    const revoked = new X509Certificate(read('revoked.pem'));
    expect(revoked.serialNumber).toBe('0ABC');
    expect(checkClientCertificate(revoked, trust)).toEqual({ authorized: false, problem: 'revoked' });
    expect(readCrl(read('crl.pem'), new X509Certificate(read('ca.pem')))).toMatchObject({
      crlNumber: 1,
      revoked: new Set(['ABC']),
    });
  });

  it('issues with an operator’s openssl-made CA in a way openssl verifies (AKI = the CA’s own SKI)', async () => {
    const issued = issueClientCertificate(
      { certPem: read('ca.pem'), keyPem: read('ca.key') },
      { clientId: 'billing', days: 5 },
    );
    const file = tmp.write('ours.pem', issued.certPem);
    expect(await run(['verify', '-CAfile', 'ca.pem', '-purpose', 'sslclient', file])).toBe(`${file}: OK\n`);
    const trust = loadTrustAnchors(read('ca.pem'), [read('crl.pem')]);
    expect(checkClientCertificate(new X509Certificate(issued.certPem), trust)).toEqual({ authorized: true });
  });
});
