import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The HTTP request an event was written in, so every component's event
 * carries its request id and user agent (ASVS 16.2.1) without each of the
 * dozens of places that write one passing them along. The server enters it
 * once per request; events written outside a request (timers, the CLI) have
 * none.
 */
export interface RequestContext {
  requestId: string;
  userAgent?: string | undefined;
}

const current = new AsyncLocalStorage<RequestContext>();

export function withRequestContext<T>(context: RequestContext, run: () => T): T {
  return current.run(context, run);
}

export function requestContext(): RequestContext | undefined {
  return current.getStore();
}

/** The schema's `source.userAgent`: at most 512 characters, controls (a header's tabs) as spaces. */
export function userAgentText(header: string | undefined): string | undefined {
  if (!header) return undefined;
  let text = '';
  for (const c of header.slice(0, 512)) text += c < ' ' || c === '\x7f' ? ' ' : c;
  text = text.trim();
  return text === '' ? undefined : text;
}
