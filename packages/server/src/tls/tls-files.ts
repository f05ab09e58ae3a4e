import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Config } from '../config/settings.ts';
import { ServerError } from '../errors.ts';
import { loadTrustAnchors, type TrustAnchors } from '../pki/index.ts';

/**
 * TLS 1.2 and 1.3 only (ASVS 12.1.1; OpenSSL prefers 1.3), and for 1.2 only
 * forward-secret AEAD suites, strongest first (12.1.2): Node's default list
 * still has CBC and DHE suites.
 */
export const TLS_PROTOCOL: Pick<SecureContextOptions, 'minVersion' | 'ciphers' | 'honorCipherOrder'> = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'TLS_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
  ].join(':'),
  honorCipherOrder: true,
};

/** Everything read from the TLS settings' files, checked. */
export interface TlsFiles {
  /** For node:tls; absent when OneGate does not serve HTTPS itself. */
  context?: SecureContextOptions;
  serverCertificate?: X509Certificate;
  /** Client certificates are checked against these; absent without tlsCa. */
  trust?: TrustAnchors;
  /** Digest of every file's bytes, to tell a real change from a touch. */
  fingerprint: string;
}

type TlsSettings = Pick<Config, 'tlsCert' | 'tlsKey' | 'tlsCa' | 'tlsCrl'>;

/**
 * Reads and checks the certificate, key, CA and CRL files. Every failure is
 * ERR_TLS_CONFIG naming the setting; no message carries file contents
 * (the key file is a secret, and OpenSSL's messages can quote input).
 */
export function readTlsFiles(config: TlsSettings): TlsFiles {
  const digest = createHash('sha256');
  const read = (path: string, setting: string): Buffer => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw tlsError(setting, `cannot read ${path} (${(err as { code?: string }).code ?? 'error'})`);
    }
    digest.update(path).update('\0').update(bytes).update('\0');
    return bytes;
  };

  const files: Omit<TlsFiles, 'fingerprint'> = {};
  if (config.tlsCa !== undefined) {
    const caPem = read(config.tlsCa, 'tlsCa').toString('utf8');
    files.trust = trustAnchors(caPem, [], 'tlsCa');
    if (config.tlsCrl.length > 0) {
      const crlPems = config.tlsCrl.map((path) => read(path, 'tlsCrl').toString('utf8'));
      files.trust = trustAnchors(caPem, crlPems, 'tlsCrl');
    }
  }
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    const cert = read(config.tlsCert, 'tlsCert');
    const key = read(config.tlsKey, 'tlsKey');
    const serverCertificate = certificate(cert);
    const privateKey = keyOf(key);
    if (!serverCertificate.checkPrivateKey(privateKey)) {
      throw tlsError('tlsKey', 'is not the private key of the certificate in tlsCert');
    }
    const context: SecureContextOptions = { ...TLS_PROTOCOL, cert, key };
    if (config.tlsCa !== undefined) {
      context.ca = read(config.tlsCa, 'tlsCa');
      if (config.tlsCrl.length > 0) context.crl = config.tlsCrl.map((path) => read(path, 'tlsCrl'));
    }
    try {
      createSecureContext(context);
    } catch (err) {
      throw tlsError('tlsCert', `cannot be used for TLS (${(err as { code?: string }).code ?? 'error'})`);
    }
    files.context = context;
    files.serverCertificate = serverCertificate;
  }
  return { ...files, fingerprint: digest.digest('base64url') };
}

const VARIABLES: Record<string, string> = {
  tlsCert: 'ONEGATE_TLS_CERT',
  tlsKey: 'ONEGATE_TLS_KEY',
  tlsCa: 'ONEGATE_TLS_CA',
  tlsCrl: 'ONEGATE_TLS_CRL',
};

function tlsError(setting: string, problem: string): ServerError {
  return new ServerError('ERR_TLS_CONFIG', `${setting} (${VARIABLES[setting]}): ${problem}`);
}

function certificate(pem: Buffer): X509Certificate {
  if (!pem.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
    throw tlsError('tlsCert', 'is not a PEM certificate');
  }
  try {
    // The file may go on with the chain; the first certificate is the server's.
    return new X509Certificate(pem);
  } catch {
    throw tlsError('tlsCert', 'is not a PEM certificate');
  }
}

function keyOf(pem: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw tlsError('tlsKey', 'is not an unencrypted PEM private key');
  }
}

function trustAnchors(caPem: string, crlPems: string[], setting: 'tlsCa' | 'tlsCrl'): TrustAnchors {
  try {
    return loadTrustAnchors(caPem, crlPems);
  } catch (err) {
    const reason = err instanceof ServerError ? err.message : 'cannot be read';
    throw tlsError(setting, reason);
  }
}
