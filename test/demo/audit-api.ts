import type { Demo } from '@onegate/demo';

/** An event as `GET /api/v1/audit/events` returns it (the fields the demo's tests read). */
export interface AuditEvent {
  actor: { type: string; id: string };
  action: string;
  outcome: string;
  purpose?: string;
  reason?: string;
  target?: { resource?: string; subject?: string };
}

/**
 * OneGate's audit log, newest first, read over its HTTP API with the demo's
 * audit:read client, exactly as docs/integration.md shows it with curl.
 */
export async function readAuditLog(demo: Demo, filter: Record<string, string>): Promise<AuditEvent[]> {
  const { clientId, clientSecret } = demo.auditViewer;
  const tokenResponse = await fetch(`${demo.urls.onegate}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'audit:read' }),
  });
  expectOk(tokenResponse, 'token');
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const res = await fetch(
    `${demo.urls.onegate}/api/v1/audit/events?${new URLSearchParams(filter).toString()}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  expectOk(res, 'audit events');
  return ((await res.json()) as { events: Array<{ event: AuditEvent }> }).events.map((e) => e.event);
}

function expectOk(res: Response, what: string): void {
  if (!res.ok) throw new Error(`${what}: OneGate answered ${res.status}`);
}
