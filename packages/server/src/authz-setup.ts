import { readFile } from 'node:fs/promises';
import { AuthzService, type AuthzAuditSink } from '@onegate/authz';
import type { Store } from '@onegate/store';
import type { Config } from './config/settings.ts';
import { ServerError } from './errors.ts';

/**
 * Authorization on the store: the policy loaded into memory and kept current
 * from the change feed. The CLI makes one too (for `onegate policy load`).
 */
export async function startAuthz(
  config: Pick<Config, 'authzAuditAllows' | 'authzModel'>,
  store: Store,
  audit: AuthzAuditSink,
  onError: (err: unknown) => void,
): Promise<AuthzService> {
  const model = config.authzModel === undefined ? undefined : await readModel(config.authzModel);
  const authz = await AuthzService.create({
    store,
    audit,
    auditAllowSampleRate: config.authzAuditAllows,
    ...(model === undefined ? {} : { model }),
    onError,
  });
  await authz.start();
  return authz;
}

async function readModel(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      'authzModel (ONEGATE_AUTHZ_MODEL): cannot read the model file',
    );
  }
}
