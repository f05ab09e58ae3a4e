import type { X509Certificate } from 'node:crypto';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { daysUntilExpiry } from './pki/index.ts';

/** One registry per server (not prom-client's global), so tests and several servers don't collide. */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /**
   * Reports the days to expiry of the certificates that `source` names: now,
   * and freshly at every scrape (days pass between reloads).
   */
  trackTlsCertificates(source: () => TlsCertificatesInUse): void;
}

/** The server certificate in use and the CAs client certificates are checked against. */
export interface TlsCertificatesInUse {
  server?: X509Certificate | undefined;
  cas: readonly X509Certificate[];
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'onegate_' });
  const httpDuration = new Histogram({
    name: 'onegate_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  let source: (() => TlsCertificatesInUse) | undefined;
  const tlsExpiry = new Gauge({
    name: 'onegate_tls_certificate_expiry_days',
    help: 'Days until the server certificate, or the first of the client CA certificates, expires.',
    labelNames: ['certificate'] as const,
    registers: [registry],
    collect() {
      if (source) recordExpiry(this, source());
    },
  });
  return {
    registry,
    httpDuration,
    trackTlsCertificates(next) {
      source = next;
      recordExpiry(tlsExpiry, next());
    },
  };
}

function recordExpiry(gauge: Gauge<'certificate'>, certificates: TlsCertificatesInUse): void {
  gauge.reset();
  if (certificates.server) gauge.set({ certificate: 'server' }, daysUntilExpiry(certificates.server));
  if (certificates.cas.length > 0) {
    gauge.set({ certificate: 'ca' }, Math.min(...certificates.cas.map((ca) => daysUntilExpiry(ca))));
  }
}
