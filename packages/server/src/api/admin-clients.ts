import Router from '@koa/router';
import { z } from 'zod';
import type { Identity } from '@onegate/identity';
import { jsonBody, parseBody } from './parse-body.ts';
import { requireScope, type ApiState } from './platform-auth.ts';

const uri = z.string().max(2048);
const clientFields = {
  name: z.string().min(1).max(100),
  redirect_uris: z.array(uri).max(20).optional(),
  post_logout_redirect_uris: z.array(uri).max(20).optional(),
  backchannel_logout_uri: uri.optional(),
  public: z.boolean().optional(),
  scopes: z.array(z.string().max(64)).max(30).optional(),
  department: z.string().max(64).optional(),
  first_party: z.boolean().optional(),
  public_subject: z.boolean().optional(),
  legacy_rs256: z.boolean().optional(),
  // RFC 8705 client authentication of a service; identity checks the combination.
  auth: z.enum(['client_secret_basic', 'tls_client_auth', 'self_signed_tls_client_auth']).optional(),
  cert_subject: z.string().max(1024).optional(),
  cert_san_uri: uri.optional(),
  cert_san_dns: z.string().max(253).optional(),
  cert_san_email: z.string().max(320).optional(),
  cert_san_ip: z.string().max(64).optional(),
  certificate_pem: z
    .string()
    .max(16 * 1024)
    .optional(),
};
const createSchema = z.object(clientFields).strict();
const updateSchema = z.object({ ...clientFields, name: clientFields.name.optional() }).strict();

type ClientBody = z.output<typeof updateSchema>;

function toInput(body: ClientBody) {
  return {
    name: body.name ?? '',
    redirectUris: body.redirect_uris,
    postLogoutRedirectUris: body.post_logout_redirect_uris,
    backchannelLogoutUri: body.backchannel_logout_uri,
    public: body.public,
    scopes: body.scopes,
    department: body.department,
    firstParty: body.first_party,
    publicSubject: body.public_subject,
    legacyRs256: body.legacy_rs256,
    auth: body.auth,
    certSubject: body.cert_subject,
    certSanUri: body.cert_san_uri,
    certSanDns: body.cert_san_dns,
    certSanEmail: body.cert_san_email,
    certSanIp: body.cert_san_ip,
    certificatePem: body.certificate_pem,
  };
}

/** `/api/v1/admin/clients`: the same operations as `onegate client …`, for the `admin` scope. */
export function adminClientRoutes(identity: Identity): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api/v1/admin/clients' });
  router.use(requireScope(identity, 'admin'), jsonBody());

  router.get('/', async (ctx) => {
    ctx.body = { clients: await identity.clients.list() };
  });

  router.post('/', async (ctx) => {
    const created = await identity.clients.add(
      toInput(parseBody(ctx, createSchema)),
      ctx.state.caller.clientId,
    );
    ctx.status = 201;
    ctx.body = {
      client_id: created.client.clientId,
      ...(created.clientSecret ? { client_secret: created.clientSecret } : {}),
      client: created.client,
    };
  });

  router.get('/:id', async (ctx) => {
    ctx.body = { client: await identity.clients.get(ctx.params['id']!) };
  });

  router.patch('/:id', async (ctx) => {
    const body = parseBody(ctx, updateSchema);
    const input = toInput(body);
    const client = await identity.clients.update(
      ctx.params['id']!,
      { ...input, name: body.name },
      ctx.state.caller.clientId,
    );
    ctx.body = { client };
  });

  router.post('/:id/rotate-secret', async (ctx) => {
    const rotated = await identity.clients.rotateSecret(ctx.params['id']!, ctx.state.caller.clientId);
    ctx.body = { client_id: rotated.client.clientId, client_secret: rotated.clientSecret };
  });

  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    router.post(`/:id/${path}`, async (ctx) => {
      const client = await identity.clients.setDisabled(
        ctx.params['id']!,
        disabled,
        ctx.state.caller.clientId,
      );
      ctx.body = { client };
    });
  }

  return router;
}
