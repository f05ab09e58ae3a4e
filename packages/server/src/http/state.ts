import type { Logger } from '../logger.ts';

/** What every request carries through the middleware chain. */
export interface RequestState {
  requestId: string;
  log: Logger;
}
