import type { Middleware } from 'koa';
import type { TrustedProxies } from './trusted-proxies.ts';
import type { RequestState } from './state.ts';

const FORWARDED = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded'];

/**
 * With ONEGATE_TRUST_PROXY, Koa believes X-Forwarded-* from any peer. When the
 * proxies are named (ONEGATE_TRUSTED_PROXIES), headers from anyone else are
 * dropped before Koa reads them, so a client that reaches OneGate directly
 * cannot choose its logged address or make a plain-HTTP request look secure
 * (ASVS 4.1.3).
 *
 * X-Forwarded-For is then cut down to one address, read from the right: each
 * proxy appends the address it was reached from, so everything left of the
 * last one a trusted proxy wrote is whatever the client sent (ASVS 15.3.4).
 * With named proxies the client is the rightmost address that is not one of
 * them; without, the proxy in front is the only one, and the client is the
 * rightmost address.
 */
export function forwardedHeaders(proxies: TrustedProxies | undefined): Middleware<RequestState> {
  return async (ctx, next) => {
    const headers = ctx.req.headers;
    if (proxies && !proxies.has(ctx.req.socket.remoteAddress)) {
      for (const name of FORWARDED) delete headers[name];
    } else if (headers['x-forwarded-for'] !== undefined) {
      const client = clientAddress(String(headers['x-forwarded-for']), proxies);
      if (client) headers['x-forwarded-for'] = client;
      else delete headers['x-forwarded-for'];
    }
    await next();
  };
}

function clientAddress(header: string, proxies: TrustedProxies | undefined): string | undefined {
  const hops = header
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  if (!proxies) return hops.at(-1);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!proxies.has(hops[i])) return hops[i];
  }
  // Every hop is a proxy of ours: the leftmost is as near the client as the header goes.
  return hops[0];
}
