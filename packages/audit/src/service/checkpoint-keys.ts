import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Store } from '@onegate/store';
import { ed25519NoteSigner, ed25519NoteVerifier } from '../checkpoint/ed25519-note-key.ts';
import type { NoteSigner, NoteVerifier } from '../checkpoint/note.ts';

/**
 * Seals a private key at rest; the server backs it with the privacy keyring
 * (the audit package does not depend on privacy). `id` names the key, and
 * is bound into the ciphertext so a sealed key cannot be moved to another row.
 */
export interface KeySealer {
  seal(plaintext: Buffer, id: string): Promise<string>;
  open(sealed: string, id: string): Promise<Buffer>;
}

export interface CheckpointKey {
  id: string;
  signer: NoteSigner;
  vkey: string;
}

interface KeyRow {
  id: string;
  vkey: string;
  sealed_private: string | null;
  state: string;
}

/**
 * The Ed25519 keys that sign checkpoints, in `audit_checkpoint_keys`: the
 * private key sealed (never in the clear at rest), the verifier key public.
 * One is `current`; rotating keeps the old ones as `previous` verifiers, so
 * checkpoints signed before a rotation still verify. The key name is the
 * log's origin, as tlog-checkpoint requires.
 */
export class CheckpointKeys {
  readonly #store: Store;
  readonly #sealer: KeySealer;
  readonly #origin: string;
  #current: CheckpointKey | undefined;

  constructor(store: Store, sealer: KeySealer, origin: string) {
    this.#store = store;
    this.#sealer = sealer;
    this.#origin = origin;
  }

  /**
   * The signing key, made on first use. Which key is current is read each
   * time (one indexed row), so a rotation by the CLI or another instance is
   * followed at the next checkpoint; the key itself is unsealed once.
   */
  async current(): Promise<CheckpointKey> {
    const row = await this.#store.query<KeyRow>(
      "SELECT id, vkey, sealed_private, state FROM audit_checkpoint_keys WHERE state = 'current'",
    );
    if (row[0]) {
      if (this.#current?.id !== row[0].id) this.#current = await this.#load(row[0]);
      return this.#current;
    }
    return this.rotate();
  }

  /** A new current key; the old one stays as a verifier. Audited by the caller. */
  async rotate(): Promise<CheckpointKey> {
    const { privateKey } = generateKeyPairSync('ed25519');
    const signer = ed25519NoteSigner(this.#origin, privateKey);
    const id = `${signer.keyId.toString(16).padStart(8, '0')}-${Date.now()}`;
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const sealed = await this.#sealer.seal(der, id);
    await this.#store.transaction(async (tx) => {
      await tx.exec("UPDATE audit_checkpoint_keys SET state = 'previous' WHERE state = 'current'");
      await tx.exec(
        "INSERT INTO audit_checkpoint_keys (id, vkey, sealed_private, state, created_at) VALUES ($1, $2, $3, 'current', $4)",
        [id, signer.vkey, sealed, Date.now()],
      );
    });
    this.#current = { id, signer, vkey: signer.vkey };
    return this.#current;
  }

  /** Every key that ever signed here, current first: what an old checkpoint is checked with. */
  async verifiers(): Promise<NoteVerifier[]> {
    const rows = await this.#store.query<KeyRow>(
      "SELECT id, vkey, sealed_private, state FROM audit_checkpoint_keys ORDER BY state = 'current' DESC, created_at DESC",
    );
    return rows.map((r) => ed25519NoteVerifier(r.vkey));
  }

  async #load(row: KeyRow): Promise<CheckpointKey> {
    const der = await this.#sealer.open(row.sealed_private!, row.id);
    const privateKey: KeyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    const signer = ed25519NoteSigner(this.#origin, privateKey);
    if (signer.vkey !== row.vkey) {
      // The origin changed (a new issuer): the stored key signs under another name. Start a new key.
      return this.rotate();
    }
    return { id: row.id, signer, vkey: row.vkey };
  }
}
