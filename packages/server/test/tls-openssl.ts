import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A key and certificate made by the openssl CLI: the files, and their PEM text. */
export interface Made {
  key: string;
  cert: string;
  keyPem: string;
  certPem: string;
}

/** Certificates for TLS tests, made by `openssl` (EC P-256, SHA-256) in a fresh folder. */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'onegate-tls-'));
  #count = 0;

  async ca(name: string, days = 3650): Promise<Made> {
    const made = this.#paths(name);
    await this.#key(made.key);
    await openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      made.key,
      '-sha256',
      '-days',
      String(days),
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      made.cert,
    ]);
    return read(made);
  }

  /** A server certificate for 127.0.0.1 and localhost. */
  server(ca: Made, name = 'localhost', days = 365): Promise<Made> {
    return this.#issue(ca, name, days, [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
  }

  client(ca: Made, clientId: string, days = 365): Promise<Made> {
    return this.#issue(ca, clientId, days, [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=clientAuth',
      `subjectAltName=URI:urn:onegate:client:${clientId}`,
    ]);
  }

  async #issue(ca: Made, name: string, days: number, extensions: string[]): Promise<Made> {
    const made = this.#paths(name);
    await this.#key(made.key);
    const csr = `${made.cert}.csr`;
    const ext = `${made.cert}.ext`;
    writeFileSync(ext, extensions.join('\n') + '\n');
    await openssl(['req', '-new', '-key', made.key, '-subj', `/CN=${name}/O=OneGate tests`, '-out', csr]);
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      String(Date.now() + this.#count),
      '-days',
      String(days),
      '-sha256',
      '-extfile',
      ext,
      '-out',
      made.cert,
    ]);
    return read(made);
  }

  #paths(name: string): Pick<Made, 'key' | 'cert'> {
    const base = join(this.dir, `${++this.#count}-${name.replace(/[^A-Za-z0-9-]/g, '_')}`);
    return { key: `${base}.key`, cert: `${base}.pem` };
  }

  async #key(path: string): Promise<void> {
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
  }
}

function read(made: Pick<Made, 'key' | 'cert'>): Made {
  return { ...made, keyPem: readFileSync(made.key, 'utf8'), certPem: readFileSync(made.cert, 'utf8') };
}

export async function openssl(args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/openssl', args);
  return stdout;
}

/**
 * `openssl s_client` against host:port with extra arguments; resolves to
 * whether the handshake succeeded (exit code 0) and what it printed.
 */
export function sClient(port: number, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/bin/openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args],
      { timeout: 10_000 },
      (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}\n${stderr}` }),
    );
    // s_client reads what to send from standard input: nothing, then close.
    child.stdin?.end();
  });
}
