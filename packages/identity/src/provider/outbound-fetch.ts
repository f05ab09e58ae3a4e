/**
 * oidc-provider refuses outgoing requests to loopback and private addresses
 * (an SSRF guard passed as `options.dispatcher`). Back-channel logout to apps
 * on the government network needs exactly those, so the guard is lifted only
 * for hosts an operator listed, plus loopback in development.
 */
export function outboundFetch(options: { allowedHosts: readonly string[]; allowLoopback: boolean }) {
  const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  return (url: URL | string | Request, init?: RequestInit & { dispatcher?: unknown }): Promise<Response> => {
    const target = new URL(url instanceof Request ? url.url : url);
    const host = target.hostname.toLowerCase();
    const loopback = host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
    if (allowed.has(host) || allowed.has(target.host.toLowerCase()) || (options.allowLoopback && loopback)) {
      const rest: RequestInit & { dispatcher?: unknown } = { ...init };
      delete rest.dispatcher;
      return fetch(target, rest);
    }
    return fetch(target, init);
  };
}
