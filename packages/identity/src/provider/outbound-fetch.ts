import { IdentityError } from '../errors.ts';
import { isAllowedHost, outboundTargetProblem, type OutboundPolicy } from './outbound-target.ts';

/**
 * The `fetch` oidc-provider sends back-channel logouts with. A URL that
 * registration would refuse now (stored before that check, or by hand) is
 * refused here before any connection is made (ASVS 1.3.6, 12.3.1).
 * oidc-provider's own SSRF guard (passed as `options.dispatcher`) refuses
 * names that resolve to loopback and private addresses when connecting; apps
 * on the government network need exactly those, so that guard is lifted
 * only for hosts an operator listed, plus loopback in development.
 */
export function outboundFetch(policy: OutboundPolicy) {
  return async (
    url: URL | string | Request,
    init?: RequestInit & { dispatcher?: unknown },
  ): Promise<Response> => {
    const target = new URL(url instanceof Request ? url.url : url);
    const problem = outboundTargetProblem(target, policy);
    // The URL itself stays out of the message: an app may have put a secret in it. The code is
    // what the audit event of the failed delivery records.
    if (problem !== undefined) {
      throw new IdentityError('ERR_OUTBOUND_REFUSED', `refused to send a request: the target ${problem}`);
    }
    if (isAllowedHost(target, policy)) {
      const rest: RequestInit & { dispatcher?: unknown } = { ...init };
      delete rest.dispatcher;
      return fetch(target, rest);
    }
    return fetch(target, init);
  };
}
