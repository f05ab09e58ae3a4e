import Router from '@koa/router';
import Koa from 'koa';
import { createLogin, createPlatformClient, type AppSession } from '@onegate/sdk';
import { html, page, PAGE_HEADERS, signedIn, type SafeHtml } from '../html.ts';
import { listen, type RunningApp } from '../serve.ts';

const APP = 'Social Security';

export interface SocialSecurityOptions {
  issuer: string;
  port: number;
  /** The sign-in app's registration. */
  clientId: string;
  clientSecret: string;
  /** The back end's service client (privacy:encrypt, for masking). */
  backend: { clientId: string; clientSecret: string };
  /** At least 32 characters: encrypts the session cookie. */
  cookieSecret: string;
}

/**
 * The citizen-facing app: Koa, signing in with OneGate through the SDK. Its
 * pages show who is signed in (name masked) and sign out everywhere.
 */
export async function startSocialSecurity(options: SocialSecurityOptions): Promise<RunningApp> {
  const base = `http://localhost:${options.port}`;
  const login = await createLogin({
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: `${base}/auth/callback`,
    postLogoutRedirectUri: `${base}/`,
    cookieSecret: options.cookieSecret,
    // Both demo apps live on localhost, where cookies are shared across ports: each needs its own name.
    cookieName: 'social_security_session',
    allowInsecureHttp: true, // the demo's OneGate is http://localhost
  });
  const platform = createPlatformClient({
    issuer: options.issuer,
    clientId: options.backend.clientId,
    clientSecret: options.backend.clientSecret,
    allowInsecureHttp: true,
  });

  /** The citizen's name as the page shows it: masked, in case someone looks over their shoulder. */
  const who = async (session: AppSession): Promise<string> => {
    const name = session.claims['name'];
    if (typeof name !== 'string') return 'a citizen';
    const { results } = await platform.privacy.mask({ items: [{ value: name, profile: 'name' }] });
    return results[0]!.masked;
  };

  const router = new Router();
  router.get('/', async (ctx) => {
    const session = login.koa.session(ctx);
    const body = session
      ? html`<p class="notice" data-testid="status">
            You are signed in with OneGate (sign-in level <strong>${level(session)}</strong>).
          </p>
          <p><a href="/benefits">Your pension and benefits</a></p>`
      : html`<p class="notice" data-testid="status">You are not signed in.</p>
          <p><a class="button" href="/auth/login">Sign in with OneGate</a></p>`;
    respond(ctx, 'Welcome', body, session && signedIn(await who(session)));
  });
  router.get('/benefits', login.koa.requireLogin(), async (ctx) => {
    const session = login.koa.session(ctx)!;
    respond(
      ctx,
      'Your pension and benefits',
      html`<table>
          <tr>
            <th>Basic pension insurance</th>
            <td>contributions paid up to this month</td>
          </tr>
          <tr>
            <th>Medical insurance</th>
            <td>active</td>
          </tr>
        </table>
        <p><small>Made-up figures: this is a demo.</small></p>`,
      signedIn(await who(session)),
    );
  });

  const app = new Koa();
  app.use(login.koa.routes());
  app.use(router.routes());
  return listen(app.callback(), options.port, () => platform.close());
}

function level(session: AppSession): string {
  return session.acr?.replace('urn:onegate:acr:', '') ?? 'unknown';
}

function respond(ctx: Koa.Context, title: string, body: SafeHtml, user?: SafeHtml): void {
  ctx.set(PAGE_HEADERS);
  ctx.body = page({ app: APP, title, body, ...(user ? { user } : {}) });
}
