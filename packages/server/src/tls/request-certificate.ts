import type { X509Certificate } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { Middleware } from 'koa';
import { setRequestCertificate, type ClientCertificate } from '@onegate/identity';
import type { Config } from '../config/settings.ts';
import type { RequestState } from '../http/state.ts';
import { trustedProxies } from '../http/trusted-proxies.ts';
import { checkClientCertificate, type TrustAnchors } from '../pki/index.ts';
import { parseForwardedCertificate } from './forwarded-certificate.ts';

const PEER_RECHECK_MS = 60_000;

/**
 * Puts the client certificate of each request, checked against the trust
 * anchors of the moment, where identity's mTLS client authentication and the
 * platform API's bound-token check read it (`requestCertificate(req)`).
 *
 * From a trusted proxy only its forwarded header counts: the TLS peer is then
 * the proxy, and its own certificate says nothing about the client. From
 * anyone else the header is ignored, and a certificate comes only from the
 * TLS handshake. A header that holds no certificate means no certificate (the
 * OAuth layer refuses), never a failed request.
 */
export function clientCertificates(
  config: Pick<Config, 'tlsClientCertHeader' | 'trustedProxies'>,
  trust: () => TrustAnchors | undefined,
): Middleware<RequestState> {
  const header = config.tlsClientCertHeader;
  const proxies = trustedProxies(config.trustedProxies);
  const verified = (certificate: X509Certificate, via: ClientCertificate['via']): ClientCertificate => {
    const anchors = trust();
    return {
      certificate,
      via,
      ...(anchors ? checkClientCertificate(certificate, anchors) : unanchored(certificate)),
    };
  };
  // A keep-alive connection carries many requests but one handshake: its certificate is parsed
  // and checked once, again only after the trust anchors were reloaded or a minute has passed
  // (so one that expires or is revoked mid-connection stops counting).
  const checkedPeers = new WeakMap<
    TLSSocket,
    { anchors: TrustAnchors | undefined; at: number; result?: ClientCertificate }
  >();
  const fromHandshake = (socket: TLSSocket): ClientCertificate | undefined => {
    const anchors = trust();
    const now = Date.now();
    const cached = checkedPeers.get(socket);
    if (cached && cached.anchors === anchors && now - cached.at < PEER_RECHECK_MS) return cached.result;
    const peer = socket.getPeerX509Certificate();
    const result = peer ? verified(peer, 'tls') : undefined;
    checkedPeers.set(socket, { anchors, at: now, ...(result ? { result } : {}) });
    return result;
  };
  return async (ctx, next) => {
    const { socket, headers } = ctx.req;
    let presented: ClientCertificate | undefined;
    const forwarded = header === undefined ? undefined : headers[header];
    if (header !== undefined && proxies.has(socket.remoteAddress)) {
      if (forwarded !== undefined) {
        const certificate = typeof forwarded === 'string' ? parseForwardedCertificate(forwarded) : undefined;
        if (certificate) presented = verified(certificate, 'proxy-header');
        else ctx.state.log.warn({ header }, 'forwarded client certificate is not one certificate: ignored');
      }
    } else {
      if (forwarded !== undefined) {
        ctx.state.log.warn(
          { header, address: socket.remoteAddress },
          'client certificate header from an address that is not a trusted proxy: ignored',
        );
      }
      if (socket instanceof TLSSocket) presented = fromHandshake(socket);
    }
    setRequestCertificate(ctx.req, presented);
    await next();
  };
}

/** Without configured CAs nothing is trusted, but the validity period still counts (self-signed clients). */
function unanchored(
  certificate: X509Certificate,
  now = Date.now(),
): Pick<ClientCertificate, 'authorized' | 'problem'> {
  if (now < Date.parse(certificate.validFrom)) return { authorized: false, problem: 'not_yet_valid' };
  if (now > Date.parse(certificate.validTo)) return { authorized: false, problem: 'expired' };
  return { authorized: false, problem: 'untrusted' };
}
