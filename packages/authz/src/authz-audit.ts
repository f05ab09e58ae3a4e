/**
 * Where authz records what it decided and what was changed. The same shape as
 * identity's audit sink (the server passes that one in), declared here so
 * authz depends on no other domain package. `details` hold ids and policy
 * entities, never personal data beyond account ids.
 */
export interface AuthzAuditEvent {
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  /** Who acted: an account id, a client id, or `operator` for the CLI. */
  actor?: string | undefined;
  /** The app that asked. */
  clientId?: string | undefined;
  /** The account the decision was about. */
  subject?: string | undefined;
  reason?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** `write` resolves once the event is durable. */
export interface AuthzAuditSink {
  write(event: AuthzAuditEvent): Promise<void>;
}
