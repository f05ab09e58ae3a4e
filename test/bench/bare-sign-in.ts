/**
 * The engine's floor under a password sign-in: a bare oidc-provider (memory
 * adapter, one ES256 key) with the smallest login interaction that works: a
 * form, one argon2id verify with the parameters OneGate uses, then
 * `interactionFinished`. The same five requests as OneGate's sign-in
 * (authorize, login page, form post, resume, redirect with a code), and
 * nothing a government platform adds: no CSRF token, security headers,
 * throttling, audit, translated pages or stored sessions.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { argon2id, hash, verify } from 'argon2';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { freePort } from '../e2e/support/platform.ts';
import type { Served } from './serve.ts';

export interface BareSignInOptions {
  redirectUri: string;
  usernames: string[];
  password: string;
  hashParams: { memoryKiB: number; timeCost: number; parallelism: number };
}

/** Options for the bare server, set by the parent before it spawns it (see password-sign-in.ts). */
export const BARE_OPTIONS_ENV = 'ONEGATE_BENCH_BARE_SIGN_IN';

export async function serveBareSignIn(): Promise<Served> {
  const options = JSON.parse(process.env[BARE_OPTIONS_ENV] ?? 'null') as BareSignInOptions | null;
  if (!options) throw new Error(`${BARE_OPTIONS_ENV} is not set`);
  const { memoryKiB, timeCost, parallelism } = options.hashParams;
  const stored = await hash(options.password, {
    type: argon2id,
    memoryCost: memoryKiB,
    timeCost,
    parallelism,
  });
  const accounts = new Map(options.usernames.map((username) => [username, stored]));

  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'bench-app',
        token_endpoint_auth_method: 'none',
        redirect_uris: [options.redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AuthorizationCode: 60,
      IdToken: 600,
      AccessToken: 600,
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    // First party, as OneGate's bench app: the grant is made, never asked for.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session } = ctx.oidc;
      const grantId = session?.grantIdFor(client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: client!.clientId,
        accountId: session!.accountId!,
      });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
  });
  const oidc = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><form method="post" action="/interaction/${details.uid}/login">` +
          '<input name="username"><input type="password" name="password"><button>Sign in</button></form>',
      );
      return;
    }
    const form = new URLSearchParams(await body(req));
    const stored = accounts.get(form.get('username') ?? '');
    if (!stored || !(await verify(stored, form.get('password') ?? ''))) {
      res.statusCode = 401;
      res.end('wrong username or password');
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: form.get('username')! } },
      { mergeWithLastSubmission: false },
    );
  };

  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/interaction/')) return void oidc(req, res);
    interaction(req, res).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    info: { issuer, clientId: 'bench-app', usernames: options.usernames, hashParams: options.hashParams },
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
