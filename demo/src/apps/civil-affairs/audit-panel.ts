import { html, type SafeHtml } from '../html.ts';

interface LoggedEvent {
  time?: string;
  action: string;
  outcome: string;
  purpose?: string;
  actor: { type: string; id: string };
  target?: { resource?: string };
  source?: { clientId?: string };
  recorded: { at: string; by: string };
}

/**
 * The "recent audit events" panel: OneGate's audit log read over its HTTP
 * API (`GET /api/v1/audit/events`, scope `audit:read`) with plain `fetch`,
 * as an app in any language would: client credentials at the token
 * endpoint, then a bearer token. A security officer's tool, shown here so
 * the demo's visitor sees their unmasking land in the log.
 */
export function auditLogReader(options: { issuer: string; clientId: string; clientSecret: string }) {
  let token: { value: string; expiresAt: number } | undefined;

  async function accessToken(): Promise<string> {
    if (token && token.expiresAt > Date.now() + 10_000) return token.value;
    const basic = Buffer.from(
      `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
    ).toString('base64');
    const res = await fetch(`${options.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'audit:read' }),
    });
    if (!res.ok) throw new Error(`the token endpoint answered ${res.status}`);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    token = { value: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
    return token.value;
  }

  /** The newest events whose actor is `actor`, newest first. */
  async function recent(actor: string, limit = 6): Promise<LoggedEvent[]> {
    const query = new URLSearchParams({ actor, limit: String(limit) });
    const res = await fetch(`${options.issuer}/api/v1/audit/events?${query.toString()}`, {
      headers: { authorization: `Bearer ${await accessToken()}` },
    });
    if (!res.ok) throw new Error(`the audit API answered ${res.status}`);
    return ((await res.json()) as { events: Array<{ event: LoggedEvent }> }).events.map((e) => e.event);
  }

  /** The panel's markup: what the log holds about what this person did, from OneGate itself. */
  async function panel(actor: string): Promise<SafeHtml> {
    let events: LoggedEvent[];
    try {
      events = await recent(actor);
    } catch {
      return html`<p class="notice refused">The audit log could not be read just now.</p>`;
    }
    return html`<section aria-labelledby="audit-heading">
      <h2 id="audit-heading">Your recent actions in OneGate's audit log</h2>
      <table data-testid="audit-events">
        <tr>
          <th>recorded</th>
          <th>action</th>
          <th>outcome</th>
          <th>purpose</th>
          <th>resource</th>
        </tr>
        ${events.map(
          (e) =>
            html`<tr>
              <td>${e.recorded.at}</td>
              <td>${e.action}</td>
              <td>${e.outcome}</td>
              <td>${e.purpose ?? ''}</td>
              <td>${e.target?.resource ?? ''}</td>
            </tr>`,
        )}
      </table>
      <p>
        <small
          >Read through <code>GET /api/v1/audit/events?actor=…</code> with a client that has
          <code>audit:read</code>. The log is append-only and signed (docs/audit.md).</small
        >
      </p>
    </section>`;
  }

  return { recent, panel };
}
