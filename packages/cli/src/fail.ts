import { isStoreError } from '@onegate/store';
import { ServerError } from '@onegate/server';

/** Exit codes: 1 the operation failed, 2 the invocation or configuration is wrong. */
export function fail(err: unknown): never {
  if (err instanceof ServerError && err.code === 'ERR_CONFIG_INVALID') {
    process.stderr.write(`onegate: ${err.message}\n`);
    process.exit(2);
  }
  if (isStoreError(err)) {
    process.stderr.write(`onegate: ${err.message} [${err.code}]\n`);
    process.exit(1);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`onegate: ${message}\n`);
  process.exit(1);
}
