import { X509Certificate } from 'node:crypto';
import { ServerError, type ServerErrorCode } from '../errors.ts';

export function toPem(label: 'CERTIFICATE' | 'X509 CRL', der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END ([A-Z0-9 ]+)-----/g;

/** The DER of every PEM block labelled `label` in `text`, in order; text around the blocks is ignored. */
export function pemBlocks(text: string, label: string): Buffer[] {
  const blocks: Buffer[] = [];
  for (const [, begin, body = '', end] of text.matchAll(BLOCK)) {
    if (begin !== label || end !== label) continue;
    const base64 = body.replace(/\s+/g, '');
    const valid = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) && base64.length % 4 === 0;
    // A damaged body yields no bytes, which then fails to parse where the caller can name it.
    blocks.push(valid ? Buffer.from(base64, 'base64') : Buffer.alloc(0));
  }
  return blocks;
}

/**
 * The certificates in a PEM text (a bundle or chain file), in order.
 * Throws `code` with "<what> is not a PEM certificate" when there is none or one does not parse.
 */
export function parseCertificatesPem(
  text: string,
  what: string,
  code: ServerErrorCode = 'ERR_CERT_INVALID',
): X509Certificate[] {
  const blocks = typeof text === 'string' ? pemBlocks(text, 'CERTIFICATE') : [];
  if (blocks.length === 0) throw new ServerError(code, `${what} is not a PEM certificate`);
  return blocks.map((der, i) => {
    try {
      return new X509Certificate(der);
    } catch (cause) {
      const which = blocks.length > 1 ? ` (certificate ${i + 1})` : '';
      throw new ServerError(code, `${what} is not a PEM certificate${which}: it does not parse`, { cause });
    }
  });
}

/** The first certificate of a PEM text (the leaf of a chain file); ERR_CERT_INVALID on anything else. */
export function parseCertificatePem(text: string, what: string): X509Certificate {
  return parseCertificatesPem(text, what)[0]!;
}
