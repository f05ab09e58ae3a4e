import Router from '@koa/router';
import { z } from 'zod';
import { maskEmail, maskIdNumber, maskPhone, type Account, type Identity } from '@onegate/identity';
import { jsonBody, parseBody } from './parse-body.ts';
import { requireScope, type ApiState } from './platform-auth.ts';

const departmentRole = z
  .object({ department: z.string().min(1).max(64), role: z.string().min(1).max(64) })
  .strict();
const createSchema = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(1024),
    name: z.string().max(200).optional(),
    phone: z.string().max(32).optional(),
    email: z.string().max(320).optional(),
    id_number: z.string().max(32).optional(),
    departments: z.array(departmentRole).max(50).optional(),
    identity_assurance: z.enum(['basic', 'verified_in_person']).optional(),
  })
  .strict();
const passwordSchema = z.object({ password: z.string().min(1).max(1024) }).strict();

/** What an administrator sees of an account: personal data masked (full values stay in the account page). */
function view(account: Account) {
  return {
    id: account.id,
    username: account.username,
    name: account.name,
    phone: account.phone === undefined ? undefined : maskPhone(account.phone),
    email: account.email === undefined ? undefined : maskEmail(account.email),
    id_number: account.idNumber === undefined ? undefined : maskIdNumber(account.idNumber),
    identity_assurance: account.identityAssurance,
    departments: account.departments,
    disabled: account.disabled,
    created_at: new Date(account.createdAt).toISOString(),
  };
}

/** `/api/v1/admin/accounts`: the operator's account tasks, for the `admin` scope. Passwords only in bodies. */
export function adminAccountRoutes(identity: Identity): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api/v1/admin/accounts' });
  router.use(requireScope(identity, 'admin'), jsonBody());

  router.get('/', async (ctx) => {
    ctx.body = { accounts: (await identity.accounts.list()).map(view) };
  });

  router.post('/', async (ctx) => {
    const body = parseBody(ctx, createSchema);
    const account = await identity.accounts.create({
      username: body.username,
      password: body.password,
      name: body.name,
      phone: body.phone,
      email: body.email,
      idNumber: body.id_number,
      departments: body.departments,
      identityAssurance: body.identity_assurance,
      // An administrator's password is the person's way to choose their own, for a day (ASVS 6.4.1).
      temporaryPassword: true,
    });
    ctx.status = 201;
    ctx.body = { account: view(account) };
  });

  router.get('/:id', async (ctx) => {
    ctx.body = { account: view(await identity.accounts.get(ctx.params['id']!)) };
  });

  router.post('/:id/reset-password', async (ctx) => {
    await identity.accounts.resetPassword(ctx.params['id']!, parseBody(ctx, passwordSchema).password);
    ctx.status = 204;
  });

  // Ends every session of the account, with back-channel logouts to its apps (ASVS 7.4.5).
  router.post('/:id/sign-out', async (ctx) => {
    ctx.body = { sessions_ended: await identity.accounts.signOutEverywhere(ctx.params['id']!) };
  });

  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    router.post(`/:id/${path}`, async (ctx) => {
      ctx.body = { account: view(await identity.accounts.setDisabled(ctx.params['id']!, disabled)) };
    });
  }

  return router;
}
