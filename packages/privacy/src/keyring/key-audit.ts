/**
 * Where the keyring records key lifecycle acts. The same shape as identity's
 * and authz's audit sinks (the server passes one in), declared here so
 * privacy depends on no other domain package. Events name key ids,
 * versions and algorithms: never key material, wrapped or not.
 */
export interface KeyAuditEvent {
  /** `privacy.key.create`, `.rotate`, `.retire`, `.reinstate`, `.min_version`, `.destroy`, `.shred`, `.rewrap`, `privacy.kek.rewrap`. */
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  /** Who acted: an account id, a client id, `operator` for the CLI, `system` for a key made on first use. */
  actor?: string | undefined;
  /** The app the act was done through (its OAuth client id). */
  clientId?: string | undefined;
  /** The data subject whose key it was (per-subject keys). */
  subject?: string | undefined;
  reason?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** `write` resolves once the event is durable. */
export interface KeyAuditSink {
  write(event: KeyAuditEvent): Promise<void>;
}
