import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { Store } from '@onegate/store';
import { ed25519NoteSigner } from '../checkpoint/ed25519-note-key.ts';
import type { NoteSigner, NoteVerifier } from '../checkpoint/note.ts';
import { generateSm2PrivateKey, sm2NoteSigner } from '../checkpoint/sm2-note-key.ts';
import { vkeyVerifier } from '../checkpoint/vkey-verifier.ts';
import { AuditError } from '../errors.ts';

/**
 * Seals a private key at rest; the server backs it with the privacy keyring
 * (the audit package does not depend on privacy). `id` names the key, and
 * is bound into the ciphertext so a sealed key cannot be moved to another row.
 */
export interface KeySealer {
  seal(plaintext: Buffer, id: string): Promise<string>;
  open(sealed: string, id: string): Promise<Buffer>;
}

/** Ed25519 signs every checkpoint; SM2 also signs where the deployment turns it on. */
export type CheckpointKeyKind = 'ed25519' | 'sm2';

const KIND_NAMES: Record<CheckpointKeyKind, string> = { ed25519: 'Ed25519', sm2: 'SM2' };

export interface CheckpointKey {
  id: string;
  kind: CheckpointKeyKind;
  signer: NoteSigner;
  vkey: string;
}

export interface CheckpointKeysOptions {
  /** Also sign every checkpoint with an SM2 key (GM deployments); the Ed25519 line stays. */
  sm2?: boolean;
}

interface KeyRow {
  id: string;
  vkey: string;
  sealed_private: string | null;
  state: string;
}

/**
 * The keys that sign checkpoints, in `audit_checkpoint_keys`: the private
 * key sealed (never in the clear at rest), the verifier key public. One key
 * per kind is `current`; rotating keeps the old ones as `previous`
 * verifiers, so checkpoints signed before a rotation still verify. The key
 * name is the log's origin, as tlog-checkpoint requires: an SM2 line and an
 * Ed25519 line share it and differ in key ID.
 */
export class CheckpointKeys {
  /** The kinds that sign each checkpoint, in the order of their signature lines. */
  readonly kinds: readonly CheckpointKeyKind[];
  readonly #store: Store;
  readonly #sealer: KeySealer;
  readonly #origin: string;
  readonly #current = new Map<CheckpointKeyKind, CheckpointKey>();

  constructor(store: Store, sealer: KeySealer, origin: string, options: CheckpointKeysOptions = {}) {
    this.#store = store;
    this.#sealer = sealer;
    this.#origin = origin;
    this.kinds = options.sm2 ? ['ed25519', 'sm2'] : ['ed25519'];
  }

  /**
   * The signing key of a kind, made on first use. Which key is current is
   * read each time (one indexed row), so a rotation by the CLI or another
   * instance is followed at the next checkpoint; the key itself is unsealed
   * once. `ERR_AUDIT_NOT_FOUND` for a kind this log does not sign with.
   */
  async current(kind: CheckpointKeyKind = 'ed25519'): Promise<CheckpointKey> {
    if (!this.kinds.includes(kind)) {
      throw new AuditError('ERR_AUDIT_NOT_FOUND', `this log signs no ${KIND_NAMES[kind]} checkpoints`);
    }
    const rows = await this.#store.query<KeyRow>(
      "SELECT id, vkey, sealed_private, state FROM audit_checkpoint_keys WHERE state = 'current' AND kind = $1",
      [kind],
    );
    const row = rows[0];
    if (!row) return (await this.#make([kind]))[0]!;
    const cached = this.#current.get(kind);
    if (cached?.id === row.id) return cached;
    const loaded = await this.#load(kind, row);
    this.#current.set(kind, loaded);
    return loaded;
  }

  /** The current key of every kind this log signs with, in `kinds` order. */
  async signing(): Promise<CheckpointKey[]> {
    const keys: CheckpointKey[] = [];
    for (const kind of this.kinds) keys.push(await this.current(kind));
    return keys;
  }

  /** New current keys of every kind, in one transaction; the old ones stay as verifiers. Audited by the caller. */
  async rotate(): Promise<CheckpointKey[]> {
    return this.#make(this.kinds);
  }

  /** Every key that ever signed here, of any kind, current first: what an old checkpoint is checked with. */
  async verifiers(): Promise<NoteVerifier[]> {
    const rows = await this.#store.query<KeyRow>(
      "SELECT id, vkey, sealed_private, state FROM audit_checkpoint_keys ORDER BY state = 'current' DESC, created_at DESC",
    );
    return rows.map((r) => vkeyVerifier(r.vkey));
  }

  async #make(kinds: readonly CheckpointKeyKind[]): Promise<CheckpointKey[]> {
    const made = await Promise.all(
      kinds.map(async (kind) => {
        const { signer, secret } = this.#generate(kind);
        // The kind is in the sealed key's id, so the sealer binds it into the ciphertext too.
        const id = `${kind === 'sm2' ? 'sm2-' : ''}${signer.keyId.toString(16).padStart(8, '0')}-${Date.now()}`;
        const sealed = await this.#sealer.seal(secret, id);
        secret.fill(0);
        return { key: { id, kind, signer, vkey: signer.vkey }, sealed };
      }),
    );
    await this.#store.transaction(async (tx) => {
      for (const { key, sealed } of made) {
        await tx.exec(
          "UPDATE audit_checkpoint_keys SET state = 'previous' WHERE state = 'current' AND kind = $1",
          [key.kind],
        );
        await tx.exec(
          "INSERT INTO audit_checkpoint_keys (id, vkey, sealed_private, state, created_at, kind) VALUES ($1, $2, $3, 'current', $4, $5)",
          [key.id, key.vkey, sealed, Date.now(), key.kind],
        );
      }
    });
    for (const { key } of made) this.#current.set(key.kind, key);
    return made.map((m) => m.key);
  }

  /** A new key: its signer, and the private part as sealed (Ed25519 PKCS#8 DER; SM2 the 32-byte d). */
  #generate(kind: CheckpointKeyKind): { signer: NoteSigner & { vkey: string }; secret: Buffer } {
    if (kind === 'sm2') {
      const d = generateSm2PrivateKey();
      return { signer: sm2NoteSigner(this.#origin, d), secret: d };
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    return {
      signer: ed25519NoteSigner(this.#origin, privateKey),
      secret: privateKey.export({ format: 'der', type: 'pkcs8' }),
    };
  }

  async #load(kind: CheckpointKeyKind, row: KeyRow): Promise<CheckpointKey> {
    const secret = await this.#sealer.open(row.sealed_private!, row.id);
    const signer =
      kind === 'sm2'
        ? sm2NoteSigner(this.#origin, secret)
        : ed25519NoteSigner(this.#origin, createPrivateKey({ key: secret, format: 'der', type: 'pkcs8' }));
    secret.fill(0);
    if (signer.vkey !== row.vkey) {
      // The origin changed (a new issuer): the stored key signs under another name. Start a new key.
      return (await this.#make([kind]))[0]!;
    }
    return { id: row.id, kind, signer, vkey: row.vkey };
  }
}
