import {
  AuditService,
  CheckpointKeys,
  Forwarder,
  MerkleLog,
  witnessFor,
  type KeySealer,
  type Masker,
} from '@onegate/audit';
import {
  openFieldText,
  readHeader,
  redactJson,
  redactText,
  sealField,
  type JsonValue,
  type Keyring,
} from '@onegate/privacy';
import type { Store } from '@onegate/store';
import type { Config } from './config/settings.ts';
import { TLS_PROTOCOL } from './tls/tls-files.ts';

/** The key chain the checkpoint signing keys are sealed under. */
const CHECKPOINT_KEY_ID = 'audit.checkpoint_keys.private_key';

/**
 * The tamper-evident log every component writes to. Its checkpoint keys
 * are sealed by the privacy keyring, its events masked by the privacy
 * detector: audit itself depends on neither. The keyring writes its own
 * acts to this log, so the log is made first and given the keyring after
 * (`start`): appends work before, checkpoints need the keyring.
 * `auditCheckpointSm2` adds an SM2 line to every checkpoint (GM deployments).
 */
export function createAudit(
  config: Pick<
    Config,
    | 'issuer'
    | 'auditRetentionDays'
    | 'auditForward'
    | 'auditForwardFormat'
    | 'auditWitnesses'
    | 'auditCheckpointSm2'
  >,
  store: Store,
  onError: (err: unknown) => void,
  options: {
    checkpointIntervalMs?: number;
    pruneIntervalMs?: number;
    writerThread?: boolean;
    /** PEM CA certificates of a tls:// forwarding target (auditForwardCa, read by `readForwardCa`). */
    forwardCa?: string | undefined;
    /** Where retention writes, as its own role (auditRetentionDatabaseUrl); default `store`. */
    retentionStore?: Store | undefined;
  } = {},
): { audit: AuditService; start: (keyring: Keyring) => Promise<void> } {
  const origin = auditOrigin(config.issuer);
  let keyring: Keyring | undefined;
  const audit = new AuditService({
    store,
    log: new MerkleLog(store, { writerThread: options.writerThread ?? true }),
    keys: new CheckpointKeys(
      store,
      keyringSealer(() => {
        if (!keyring) throw new Error('the audit log was used before its keyring was given');
        return keyring;
      }),
      origin,
      { sm2: config.auditCheckpointSm2 },
    ),
    origin,
    masker: privacyMasker,
    retentionDays: config.auditRetentionDays,
    ...(options.retentionStore === undefined ? {} : { retentionStore: options.retentionStore }),
    witnesses: config.auditWitnesses.map(witnessFor),
    ...(config.auditForward === undefined
      ? {}
      : {
          forwarder: new Forwarder({
            target: config.auditForward,
            format: config.auditForwardFormat,
            // The suites OneGate's own HTTPS offers (ASVS 12.1.2), for the SIEM connection too.
            ...(config.auditForward.startsWith('tls:') ? { ciphers: TLS_PROTOCOL.ciphers } : {}),
            ...(options.forwardCa === undefined ? {} : { ca: options.forwardCa }),
            onError,
          }),
        }),
    ...(options.checkpointIntervalMs === undefined
      ? {}
      : { checkpointIntervalMs: options.checkpointIntervalMs }),
    ...(options.pruneIntervalMs === undefined ? {} : { pruneIntervalMs: options.pruneIntervalMs }),
    onError,
  });
  return {
    audit,
    start: async (started) => {
      keyring = started;
      await audit.start();
    },
  };
}

/** `host/path/audit` of the issuer: a C2SP key name (no scheme, no spaces or `+`). */
export function auditOrigin(issuer: string): string {
  const url = new URL(issuer);
  return `${url.host}${url.pathname.replace(/\/$/, '')}/audit`;
}

export const privacyMasker: Masker = {
  text: (value) => redactText(value),
  json: (value) => redactJson(value as JsonValue),
};

function keyringSealer(keyringOf: () => Keyring): KeySealer {
  const place = (id: string) => ({ table: 'audit_checkpoint_keys', column: 'sealed_private', row: id });
  return {
    async seal(plaintext, id) {
      const keyring = keyringOf();
      const key =
        keyring.cachedPrimaryKey(CHECKPOINT_KEY_ID) ?? (await keyring.primaryKey(CHECKPOINT_KEY_ID));
      return sealField(key, plaintext.toString('base64'), place(id));
    },
    async open(sealed, id) {
      const keyring = keyringOf();
      const { keyId, version } = readHeader(sealed);
      await keyring.ensure(keyId, version);
      return Buffer.from(openFieldText(sealed, place(id), keyring.resolve), 'base64');
    },
  };
}
