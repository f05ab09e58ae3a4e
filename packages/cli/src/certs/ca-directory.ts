import { createPrivateKey, createPublicKey, type X509Certificate } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseCertificatePem, type KeyAndCertificate } from '@onegate/server';
import { parseIndex, type CaIndex } from './ca-index.ts';
import { errorCode } from './files.ts';

/** Where `onegate certs` keeps the development PKI of one CA (certs/README.md describes each file). */
export interface CaPaths {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  crl: string;
  index: string;
  clientCert(clientId: string): string;
  clientKey(clientId: string): string;
  clientP12(clientId: string): string;
}

/** Absolute paths, so the settings printed work from any working directory. */
export function caPaths(dir: string): CaPaths {
  const abs = resolve(dir);
  const clients = join(abs, 'clients');
  return {
    dir: abs,
    caCert: join(abs, 'ca.pem'),
    caKey: join(abs, 'ca.key'),
    serverCert: join(abs, 'server.pem'),
    serverKey: join(abs, 'server.key'),
    crl: join(abs, 'crl.pem'),
    index: join(abs, 'index.json'),
    clientCert: (id) => join(clients, `${id}.pem`),
    clientKey: (id) => join(clients, `${id}.key`),
    clientP12: (id) => join(clients, `${id}.p12`),
  };
}

export interface LoadedCa {
  ca: KeyAndCertificate;
  caCert: X509Certificate;
  index: CaIndex;
}

/** The CA certificate, its key (only if no other user can read it, and only if it is that certificate's) and the index. */
export async function loadCa(paths: CaPaths): Promise<LoadedCa> {
  const certPem = await readCaFile(paths, paths.caCert);
  const caCert = parseCertificatePem(certPem, paths.caCert);
  const keyPem = await readSecret(paths, paths.caKey);
  let publicDer: Buffer;
  try {
    publicDer = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  } catch (err) {
    throw new Error(`${paths.caKey} is not a PEM private key`, { cause: err });
  }
  if (!publicDer.equals(caCert.publicKey.export({ type: 'spki', format: 'der' })))
    throw new Error(`${paths.caKey} is not the private key of ${paths.caCert}`);
  const index = parseIndex(await readCaFile(paths, paths.index), paths.index);
  return { ca: { certPem, keyPem }, caCert, index };
}

/** Just the certificate and the index: what `certs list` reads, without touching the CA key. */
export async function loadPublicCa(paths: CaPaths): Promise<{ caCert: X509Certificate; index: CaIndex }> {
  const caCert = parseCertificatePem(await readCaFile(paths, paths.caCert), paths.caCert);
  const index = parseIndex(await readCaFile(paths, paths.index), paths.index);
  return { caCert, index };
}

async function readCaFile(paths: CaPaths, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw missing(paths, path, err);
  }
}

async function readSecret(paths: CaPaths, path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw missing(paths, path, err);
  }
  try {
    const stat = await handle.stat();
    // Windows has no POSIX modes; there the folder's ACL is what protects the file.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new Error(`the CA private key ${path} is open to other users: run \`chmod 600 ${path}\``);
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function missing(paths: CaPaths, path: string, err: unknown): Error {
  if (errorCode(err) === 'ENOENT') {
    return new Error(
      `no CA in ${paths.dir} (${path} is missing): run \`onegate certs init\` first, or pass --dir`,
      {
        cause: err,
      },
    );
  }
  return new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
