import { readFileSync } from 'node:fs';
import type { Config } from '../config/settings.ts';
import { ServerError } from '../errors.ts';
import { parseCertificatesPem } from '../pki/pem.ts';

/**
 * The CA certificates a tls:// SIEM must chain to (auditForwardCa), read and
 * parsed at start, so a wrong path stops the start instead of every send
 * failing later. ERR_TLS_CONFIG names the setting, never the file's contents.
 */
export function readForwardCa(config: Pick<Config, 'auditForwardCa'>): string | undefined {
  if (config.auditForwardCa === undefined) return undefined;
  const setting = 'auditForwardCa (ONEGATE_AUDIT_FORWARD_CA)';
  let pem: string;
  try {
    pem = readFileSync(config.auditForwardCa, 'utf8');
  } catch (err) {
    throw new ServerError(
      'ERR_TLS_CONFIG',
      `${setting}: cannot read ${config.auditForwardCa} (${(err as { code?: string }).code ?? 'error'})`,
    );
  }
  parseCertificatesPem(pem, setting, 'ERR_TLS_CONFIG');
  return pem;
}
