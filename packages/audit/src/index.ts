export * from './errors.ts';
export { emptyRoot, HASH_BYTES, leafHash, nodeHash } from './merkle/hashes.ts';
export {
  EVENT_VERSION,
  eventInputJsonSchema,
  MAX_DETAILS_BYTES,
  parseEvent,
  type AuditEvent,
  type AuditEventInput,
} from './event/event-schema.ts';
export { OCSF_VERSION, toOcsf } from './event/ocsf.ts';
export {
  CSV_COLUMNS,
  csvField,
  csvHeader,
  csvRow,
  EXPORT_FORMATS,
  exportLine,
  type ExportFormat,
} from './event/export-formats.ts';
export {
  canonicalJson,
  canonicalJsonString,
  JCS_MAX_DEPTH,
  type CanonicalJsonOptions,
} from './canonical/jcs.ts';
export {
  isValidKeyName,
  NOTE_MAX_BYTES,
  NOTE_MAX_SIGNATURES,
  openNote,
  parseNote,
  serializeNote,
  signNote,
  type Note,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from './checkpoint/note.ts';
export {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  NOTE_SIG_TYPE_ED25519,
  noteKeyId,
  vkeyOf,
  type Ed25519NoteSigner,
} from './checkpoint/ed25519-note-key.ts';
export {
  generateSm2PrivateKey,
  NOTE_SIG_TYPE_OTHER,
  SM2_DEFAULT_ID,
  SM2_NOTE_SIG_ID,
  sm2NoteSigner,
  sm2NoteVerifier,
  sm2VkeyOf,
  type Sm2NoteSigner,
} from './checkpoint/sm2-note-key.ts';
export { vkeyVerifier } from './checkpoint/vkey-verifier.ts';
export {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
  type CheckpointFields,
  type OpenCheckpointOptions,
} from './checkpoint/checkpoint.ts';
export { addCosignatures, fileWitness, httpWitness, witnessFor, type Witness } from './checkpoint/witness.ts';
export { auditMigrations } from './log/audit-migrations.ts';
export {
  MAX_ENTRIES_PER_APPEND,
  MAX_LEAF_BYTES,
  MerkleLog,
  type AppendOptions,
  type LogEntryInput,
  type MerkleLogOptions,
} from './log/appender.ts';
export type { EntryColumns } from './log/entry-columns.ts';
export type { AppendResult } from './log/idempotency.ts';
export { lockLog, readHead, type TreeHead } from './log/log-head.ts';
export {
  MAX_ENTRIES_PER_READ,
  MAX_NODES_PER_READ,
  readEntries,
  readEntry,
  readNodes,
  type StoredEntry,
} from './log/node-reader.ts';
export { verifyStoredLog, type StoredLogVerdict, type VerifyStoredOptions } from './log/verify-stored.ts';
export { rangeNodes, type LeafRange, type NodeKey } from './merkle/node-key.ts';
export {
  consistencyPieces,
  consistencyProof,
  hashRanges,
  inclusionPieces,
  inclusionProof,
  rootAt,
  type NodeReader,
} from './merkle/proofs.ts';
export { rootFromInclusion, verifyConsistency, verifyInclusion } from './merkle/verify.ts';
export {
  CheckpointKeys,
  type CheckpointKey,
  type CheckpointKeyKind,
  type CheckpointKeysOptions,
  type KeySealer,
} from './service/checkpoint-keys.ts';
export { toEventInput, type ComponentAuditSink, type ComponentEvent } from './service/component-event.ts';
export { requestContext, withRequestContext, type RequestContext } from './service/request-context.ts';
export {
  decodeCursor,
  encodeCursor,
  MAX_PAGE,
  parseFilter,
  type EventFilter,
  type QueriedEvent,
} from './service/query.ts';
export {
  AuditService,
  MAX_EVENTS_PER_BATCH,
  type AuditServiceOptions,
  type Masker,
  type Proof,
} from './service/audit-service.ts';
export { MIN_RETENTION_DAYS, pruneEntries, type PruneOptions } from './log/retention.ts';
export { DEFAULT_ENTERPRISE_ID, formatSyslog } from './forward/syslog.ts';
export { Forwarder, type ForwardFormat, type ForwarderOptions } from './forward/forwarder.ts';
