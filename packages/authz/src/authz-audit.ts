import type { ComponentAuditSink, ComponentEvent } from '@onegate/audit';

/**
 * Where authz records what it decided and what was changed: the audit log's
 * component interface. `details` hold ids and policy entities, never
 * personal data beyond account ids.
 */
export type AuthzAuditEvent = ComponentEvent;
export type AuthzAuditSink = ComponentAuditSink;
