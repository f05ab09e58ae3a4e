import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  certificate: X509Certificate;
  pem: string;
  keyPath: string;
  certPath: string;
}

/**
 * Certificates made with the openssl CLI (argv arrays, never a shell), so the
 * identity tests need nothing from the server's PKI module. Subjects are
 * openssl `-subj` strings, written in certificate order (`/O=…/CN=…`).
 */
export class OpensslCertificates {
  readonly dir = mkdtempSync(join(tmpdir(), 'onegate-identity-certs-'));
  #count = 0;

  async authority(subject = '/CN=OneGate test CA'): Promise<TestCertificate> {
    return this.selfSigned(subject, [
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }

  /** A self-signed end-entity certificate, as a self_signed_tls_client_auth client makes for itself. */
  async selfSigned(
    subject: string,
    extensions: string[] = ['basicConstraints=critical,CA:FALSE'],
  ): Promise<TestCertificate> {
    const { keyPath, certPath } = this.#paths();
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '30',
      '-subj',
      subject,
      '-multivalue-rdn',
      '-utf8',
      ...extensions.flatMap((ext) => ['-addext', ext]),
    ]);
    return this.#read(keyPath, certPath);
  }

  /** A client certificate issued by `ca`, with the given subject and subjectAltName entries. */
  async issue(ca: TestCertificate, subject: string, altNames: string[] = []): Promise<TestCertificate> {
    const { keyPath, certPath } = this.#paths();
    const csrPath = `${certPath}.csr`;
    const extPath = `${certPath}.ext`;
    await run('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      csrPath,
      '-subj',
      subject,
      '-multivalue-rdn',
      '-utf8',
    ]);
    const alt = altNames.map((name, i) => {
      const [type, value] = [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':') + 1)];
      return `${type}.${i + 1} = ${value}`;
    });
    writeFileSync(
      extPath,
      [
        '[ext]',
        'basicConstraints = critical,CA:FALSE',
        'extendedKeyUsage = clientAuth',
        ...(alt.length > 0 ? ['subjectAltName = @alt', '[alt]', ...alt] : []),
        '',
      ].join('\n'),
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csrPath,
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      '30',
      '-sha256',
      '-extfile',
      extPath,
      '-extensions',
      'ext',
      '-out',
      certPath,
    ]);
    return this.#read(keyPath, certPath);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #paths() {
    const n = ++this.#count;
    return { keyPath: join(this.dir, `${n}.key`), certPath: join(this.dir, `${n}.pem`) };
  }

  #read(keyPath: string, certPath: string): TestCertificate {
    const pem = readFileSync(certPath, 'utf8');
    return { certificate: new X509Certificate(pem), pem, keyPath, certPath };
  }
}
