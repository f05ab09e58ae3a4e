import type { ComponentAuditSink, ComponentEvent } from '@onegate/audit';

/**
 * Where the keyring records key lifecycle acts (`privacy.key.create`,
 * `.rotate`, `.retire`, `.reinstate`, `.min_version`, `.destroy`, `.shred`,
 * `.rewrap`, `privacy.kek.rewrap`) and the service its decrypts: the audit
 * log's component interface. Events name key ids, versions and algorithms,
 * never key material, wrapped or not.
 */
export type KeyAuditEvent = ComponentEvent;
export type KeyAuditSink = ComponentAuditSink;
