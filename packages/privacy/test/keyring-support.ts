import { createSecretKey, randomBytes } from 'node:crypto';
import type { Store } from '@onegate/store';
import {
  isPrivacyError,
  Keyring,
  LocalKek,
  openField,
  readHeader,
  type FieldContext,
  type KeyAuditEvent,
  type KeyAuditSink,
  type KeyringOptions,
} from '../src/index.ts';

/** Keeps what the keyring audited, as the tamper-evident log would. */
export class RecordingAudit implements KeyAuditSink {
  readonly events: KeyAuditEvent[] = [];

  async write(event: KeyAuditEvent): Promise<void> {
    this.events.push(event);
  }

  actions(): string[] {
    return this.events.map((e) => e.action);
  }
}

export function newKek(): LocalKek {
  return new LocalKek(createSecretKey(randomBytes(32)));
}

export async function startKeyring(
  store: Store,
  kek: LocalKek,
  options: Partial<KeyringOptions> = {},
): Promise<{ keyring: Keyring; audit: RecordingAudit; errors: unknown[] }> {
  const audit = new RecordingAudit();
  const errors: unknown[] = [];
  const keyring = new Keyring({ store, kek, audit, onError: (err) => errors.push(err), ...options });
  await keyring.start();
  return { keyring, audit, errors };
}

/** How a caller in another process opens a field: a key it has not seen yet is loaded, then it tries again. */
export async function openWithKeyring(
  keyring: Keyring,
  ciphertext: string,
  context: FieldContext,
): Promise<Buffer> {
  try {
    return openField(ciphertext, context, keyring.resolve);
  } catch (err) {
    if (!isPrivacyError(err, 'ERR_PRIVACY_KEY_NOT_FOUND')) throw err;
    const { keyId, version } = readHeader(ciphertext);
    await keyring.ensure(keyId, version);
    return openField(ciphertext, context, keyring.resolve);
  }
}

export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** The PrivacyError code `fn` throws, or `undefined` when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isPrivacyError(err) ? err.code : 'not a PrivacyError';
  }
}

export async function rejected(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}
