import express, { type NextFunction, type Request, type Response } from 'express';
import { createLogin, createPlatformClient, type AppSession } from '@onegate/sdk';
import { html, page, PAGE_HEADERS, signedIn, type SafeHtml } from '../html.ts';
import { listen, type RunningApp } from '../serve.ts';
import { auditLogReader } from './audit-panel.ts';
import { createRegister, type NewResident, type ResidentRecord } from './register.ts';

const APP = 'Civil Affairs Records';

export interface CivilAffairsOptions {
  issuer: string;
  port: number;
  /** The sign-in app's registration (public subject: `sub` is the staff member's account id). */
  clientId: string;
  clientSecret: string;
  /** The back end's service client: authz:check, audit:write, privacy:encrypt, privacy:decrypt. */
  backend: { clientId: string; clientSecret: string };
  /** A client with audit:read, for the "recent audit events" panel. */
  auditViewer: { clientId: string; clientSecret: string };
  cookieSecret: string;
  /** The department's register: where records live (`department/dataset`), and its residents. */
  collection: string;
  residents: NewResident[];
  /** The purposes the app offers when a clerk asks to see an ID number in full. */
  purposes: string[];
}

/**
 * The staff-facing app: Express, signing in with OneGate through the SDK,
 * and using OneGate's platform APIs for the rest. ID numbers are shown
 * masked; seeing one in full takes a stated purpose, a strong sign-in, an
 * authorization decision and a decrypt, all of which OneGate audits, and the
 * app writes its own audit event too.
 */
export async function startCivilAffairs(options: CivilAffairsOptions): Promise<RunningApp> {
  const base = `http://localhost:${options.port}`;
  const login = await createLogin({
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: `${base}/auth/callback`,
    postLogoutRedirectUri: `${base}/`,
    cookieSecret: options.cookieSecret,
    cookieName: 'civil_affairs_session',
    allowInsecureHttp: true, // the demo's OneGate is http://localhost
  });
  const platform = createPlatformClient({
    issuer: options.issuer,
    clientId: options.backend.clientId,
    clientSecret: options.backend.clientSecret,
    allowInsecureHttp: true,
  });
  const auditLog = auditLogReader({ issuer: options.issuer, ...options.auditViewer });
  const register = await createRegister(platform, options.collection, options.residents);
  const resource = (record: ResidentRecord) => `${options.collection}/${record.row}`;

  const app = express();
  app.disable('x-powered-by');
  app.use(login.express.routes());

  app.get('/', login.express.requireLogin(), async (req, res) => {
    const session = login.express.session(req)!;
    const records = [...register.values()];
    // May this person read each record? One round trip for the whole page.
    const decisions = await platform.authz.checkMany(
      records.map((r) => ({
        subject: session.sub,
        action: 'read',
        resource: resource(r),
        acr: session.acr,
      })),
    );
    const visible = records.filter((_, i) => decisions[i]?.allowed);
    if (visible.length === 0) {
      send(
        res.status(403),
        session,
        'No records for you',
        html`<p class="notice refused" data-testid="status">
          You are signed in, but you hold no role in civil affairs: this app is for registry staff. OneGate's
          authorization said no (<code>${decisions[0]?.reason ?? 'no_matching_rule'}</code>).
        </p>`,
      );
      return;
    }
    send(
      res,
      session,
      'Resident register',
      html`<p data-testid="status">
          Sign-in level: <strong>${levelOf(session)}</strong>. ID numbers are shown masked; seeing one in full
          needs a purpose and is recorded in the audit log.
        </p>
        <table data-testid="residents">
          <tr>
            <th>record</th>
            <th>name</th>
            <th>district</th>
            <th>ID number</th>
            <th></th>
          </tr>
          ${visible.map(
            (r) =>
              html`<tr>
                <td>${r.row}</td>
                <td>${r.name}</td>
                <td>${r.district}</td>
                <td class="value">${r.idNumberMasked}</td>
                <td><a href="/residents/${r.row}/unmask">Show in full…</a></td>
              </tr>`,
          )}
        </table>`,
    );
  });

  // Seeing personal data in full needs a strong sign-in: the SDK sends a weaker session through step-up.
  app.get('/residents/:row/unmask', login.express.requireAcr('substantial'), (req, res) => {
    const session = login.express.session(req)!;
    const record = register.get(req.params['row'] as string);
    if (!record) return notFound(res, session);
    send(
      res,
      session,
      `See the ID number of ${record.name}`,
      html`<p>Masked: <span class="value">${record.idNumberMasked}</span></p>
        <form method="post" action="/residents/${record.row}/unmask">
          <label for="purpose">Purpose</label>
          <select id="purpose" name="purpose" required>
            <option value="">Choose why you need it</option>
            ${options.purposes.map((p) => html`<option value="${p}">${p}</option>`)}
          </select>
          <label for="note">Case number or note (recorded in the audit log)</label>
          <input id="note" name="note" type="text" maxlength="200" required />
          <p><button type="submit">Show the ID number</button> <a href="/">Cancel</a></p>
        </form>`,
    );
  });

  app.post(
    '/residents/:row/unmask',
    sameOrigin(base),
    login.express.requireAcr('substantial'),
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      const session = login.express.session(req)!;
      const record = register.get(req.params['row'] as string);
      if (!record) return notFound(res, session);
      const form = req.body as Record<string, unknown>;
      const purpose = typeof form['purpose'] === 'string' ? form['purpose'] : '';
      // One line of text: it goes to the audit log as the event's reason.
      const note =
        typeof form['note'] === 'string' ? form['note'].replace(/\s+/g, ' ').trim().slice(0, 200) : '';
      if (!options.purposes.includes(purpose) || note === '') {
        send(
          res.status(400),
          session,
          'A purpose is needed',
          html`<p class="notice refused">
            Choose a purpose and give a case number or note.
            <a href="/residents/${record.row}/unmask">Try again</a>
          </p>`,
        );
        return;
      }
      const field = `${resource(record)}/id_number`;
      // The ID token's acr as it is (`urn:onegate:acr:substantial`): both APIs take that form.
      const acr = session.acr;
      // Ask first, to explain a refusal in the app's words; OneGate asks again before it decrypts.
      const decision = await platform.authz.check({
        subject: session.sub,
        action: 'decrypt',
        resource: field,
        purpose,
        acr,
      });
      if (!decision.allowed) {
        send(
          res.status(403),
          session,
          'Not allowed',
          html`<p class="notice refused">
            OneGate's authorization refused this (<code>${decision.reason}</code>, decision
            <code>${decision.decisionId}</code>).
          </p>`,
        );
        return;
      }
      const {
        results: [opened],
      } = await platform.privacy.decrypt({
        purpose,
        actor: session.sub,
        acr,
        items: [
          {
            ciphertext: record.idNumberCiphertext,
            collection: options.collection,
            row: record.row,
            field: 'id_number',
            ...(record.subject === undefined ? {} : { subject: record.subject }),
          },
        ],
      });
      // A value that cannot be opened (its key erased or retired) fails alone, with a code.
      const value = opened !== undefined && 'value' in opened ? opened.value : undefined;
      platform.audit.write({
        actor: { type: 'user', id: session.sub },
        action: 'record.unmask',
        target: { resource: field, ...(record.subject === undefined ? {} : { subject: record.subject }) },
        outcome: value === undefined ? 'failure' : 'success',
        purpose,
        reason: note,
        details: { decisionId: decision.decisionId },
      });
      // Only so that the panel below already shows it: on a real request path, never wait for the log.
      await platform.audit.flush();
      send(
        res,
        session,
        `ID number of ${record.name}`,
        html`<p>Purpose: <strong>${purpose}</strong> · note: ${note}</p>
          ${
            value === undefined
              ? html`<p class="notice refused">
                  The ID number could not be opened
                  (<code>${opened && 'error' in opened ? opened.error : 'no result'}</code>).
                </p>`
              : html`<p>ID number: <span class="value" data-testid="unmasked">${value}</span></p>`
          }
          <p><a href="/">Back to the register</a></p>
          ${await auditLog.panel(session.sub)}`,
      );
    },
  );

  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const session = login.express.session(req);
    send(
      res.status(502),
      session,
      'Something went wrong',
      html`<p class="notice refused">
        OneGate could not complete this just now (<code>${(err as { code?: string }).code ?? 'error'}</code>).
      </p>`,
    );
  });

  return listen(app, options.port, () => platform.close());
}

/** The staff member's own name, from the profile claims; their account id when it is not there. */
function displayName(session: AppSession): string {
  const { name, preferred_username: username } = session.claims;
  return typeof name === 'string' ? name : typeof username === 'string' ? username : session.sub;
}

/** `urn:onegate:acr:substantial` → `substantial`, for people to read. */
function levelOf(session: AppSession): string {
  return session.acr?.replace('urn:onegate:acr:', '') ?? 'unknown';
}

/**
 * A form post from another site is refused: the session cookie alone must not be enough.
 * Browsers say where a request comes from in `Sec-Fetch-Site` (else in `Origin`).
 */
function sameOrigin(base: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const site = req.get('sec-fetch-site');
    if (site === undefined ? req.get('origin') === base : site === 'same-origin') return next();
    res.status(403).set(PAGE_HEADERS).send('Forbidden: this form must be sent from the app itself.');
  };
}

function notFound(res: Response, session: AppSession): void {
  send(res.status(404), session, 'No such record', html`<p><a href="/">Back to the register</a></p>`);
}

function send(res: Response, session: AppSession | undefined, title: string, body: SafeHtml): void {
  res
    .set(PAGE_HEADERS)
    .send(page({ app: APP, title, body, ...(session ? { user: signedIn(displayName(session)) } : {}) }));
}
