import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption of cookie values: AES-256-GCM under a key derived
 * from each cookie secret with HKDF-SHA256. Format
 * `v1.<kid>.<iv>.<ciphertext+tag>` (base64url parts); `kid` names the secret,
 * so rotation adds a secret in front and old cookies still open until the old
 * secret is dropped. The associated data binds a value to its format, key and
 * purpose: a login-attempt cookie cannot be replayed as a session cookie.
 */
export class CookieCrypto {
  readonly #keys: { kid: string; key: Buffer }[];

  /** `secrets`: the first encrypts, all decrypt. Checked by the caller (≥ 32 characters each). */
  constructor(secrets: readonly string[]) {
    this.#keys = secrets.map((secret) => ({
      kid: Buffer.from(derive(secret, 'kid', 6)).toString('base64url'),
      key: Buffer.from(derive(secret, 'aes-256-gcm', 32)),
    }));
  }

  seal(purpose: string, value: unknown): string {
    const { kid, key } = this.#keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(kid, purpose));
    const body = Buffer.concat([
      cipher.update(JSON.stringify(value), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${VERSION}.${kid}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The sealed value, or undefined for anything that does not open: tampered, foreign, old key, garbage. */
  open(purpose: string, sealed: string): unknown {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
    const [, kid, ivText, bodyText] = parts as [string, string, string, string];
    const entry = this.#keys.find((k) => k.kid === kid);
    if (entry === undefined) return undefined;
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== 12 || body.length < TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(kid, purpose));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }
}

const VERSION = 'v1';
const TAG_BYTES = 16;

function derive(secret: string, use: string, length: number): ArrayBuffer {
  return hkdfSync('sha256', secret, 'onegate-sdk', `onegate-sdk cookie ${VERSION} ${use}`, length);
}

function aad(kid: string, purpose: string): Buffer {
  return Buffer.from(`${VERSION}.${kid}.${purpose}`, 'utf8');
}
