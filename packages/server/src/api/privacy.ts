import Router from '@koa/router';
import type { Identity } from '@onegate/identity';
import { DECRYPT_SCOPE, ENCRYPT_SCOPE, type PrivacyCaller, type PrivacyService } from '@onegate/privacy';
import { jsonBody } from './parse-body.ts';
import { requireScope, type ApiState } from './platform-auth.ts';

/** 1,000 items of real field values, with room for JSON and envelopes; a single value may be larger alone. */
const BATCH_BODY_LIMIT = '16mb';

function requestBody(ctx: { request: unknown }): unknown {
  return (ctx.request as { body?: unknown }).body;
}

function callerOf(ctx: { state: ApiState }): PrivacyCaller {
  const { clientId, scopes, accountId, acr } = ctx.state.caller;
  return { clientId, scopes, accountId, acr };
}

/**
 * `/api/v1/privacy/*`, every call a batch of up to 1,000 items, for apps not
 * written in Node. Responses are never cached (`Cache-Control: no-store`,
 * set for every API response). Decrypt only needs a valid token here: the
 * service itself refuses a caller without `privacy:decrypt`, so that the
 * refusal is audited with the fields it was after.
 */
export function privacyRoutes(identity: Identity, privacy: PrivacyService): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api/v1/privacy' });
  const anyPrivacyScope = requireScope(identity, [ENCRYPT_SCOPE, DECRYPT_SCOPE]);
  const body = jsonBody({ limit: BATCH_BODY_LIMIT });

  router.post('/encrypt', requireScope(identity, ENCRYPT_SCOPE), body, async (ctx) => {
    ctx.body = await privacy.encrypt(requestBody(ctx), callerOf(ctx));
  });
  router.post('/decrypt', anyPrivacyScope, body, async (ctx) => {
    ctx.body = await privacy.decrypt(requestBody(ctx), callerOf(ctx));
  });
  router.post('/blind-index', requireScope(identity, ENCRYPT_SCOPE), body, async (ctx) => {
    ctx.body = await privacy.blindIndex(requestBody(ctx), callerOf(ctx));
  });
  router.post('/mask', anyPrivacyScope, body, (ctx) => {
    ctx.body = privacy.mask(requestBody(ctx));
  });
  router.post('/validate', anyPrivacyScope, body, (ctx) => {
    ctx.body = privacy.validate(requestBody(ctx));
  });
  router.post('/detect', anyPrivacyScope, body, (ctx) => {
    ctx.body = privacy.detect(requestBody(ctx));
  });
  return router;
}
