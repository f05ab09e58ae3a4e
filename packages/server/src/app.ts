import Koa from 'koa';
import type { AuthzService } from '@onegate/authz';
import type { AuditService } from '@onegate/audit';
import type { Identity } from '@onegate/identity';
import type { Keyring, PrivacyService } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { adminAccountRoutes } from './api/admin-accounts.ts';
import { adminClientRoutes } from './api/admin-clients.ts';
import { auditRoutes } from './api/audit.ts';
import { apiRateLimits } from './api/api-rate-limits.ts';
import { AuditReadLimits } from './api/audit-read-limits.ts';
import { authzAdminRoutes } from './api/authz-admin.ts';
import { authzCheckRoutes } from './api/authz-check.ts';
import { authzReviewRoutes } from './api/authz-review.ts';
import { privacyRoutes } from './api/privacy.ts';
import type { Config } from './config/settings.ts';
import { consoleRoutes } from './console/console-routes.ts';
import { accessLog } from './http/access-log.ts';
import { errorResponse } from './http/error-response.ts';
import { auditApiDenials } from './http/api-denials.ts';
import { forwardedHeaders } from './http/forwarded-headers.ts';
import { httpsOnly } from './http/https-only.ts';
import { requestId } from './http/request-id.ts';
import { scopedRoutes } from './http/scoped-routes.ts';
import { securityHeaders } from './http/security-headers.ts';
import { trustedProxies } from './http/trusted-proxies.ts';
import type { RequestState } from './http/state.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { HEALTH_PATHS, healthRoutes } from './routes/health.ts';
import type { ServerTls } from './tls/server-tls.ts';
import { clientCertificates } from './tls/request-certificate.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  identity: Identity;
  audit: AuditService;
  authz: AuthzService;
  keyring: Keyring;
  privacy: PrivacyService;
  /** The TLS files in use; client certificates are checked against its trust anchors. */
  tls: ServerTls;
}

/** Adds routes of later capabilities (and of tests) inside the request pipeline. */
export type Extend = (app: Koa<RequestState>, deps: AppDeps) => void;

/** The request pipeline, outermost first. */
export function createApp(deps: AppDeps, extend?: Extend): Koa<RequestState> {
  const app = new Koa<RequestState>({ proxy: deps.config.trustProxy });
  // Errors are answered by errorResponse; this only keeps Koa from printing them a second time.
  app.silent = true;
  app.keys = deps.identity.cookieKeys;
  if (deps.config.trustProxy) {
    const named = deps.config.trustedProxies.length > 0;
    app.use(forwardedHeaders(named ? trustedProxies(deps.config.trustedProxies) : undefined));
  }
  app.use(requestId(deps.logger));
  // Before any route: every later step sees the request's certificate only as checked here.
  app.use(clientCertificates(deps.config, () => deps.tls.trust()));
  app.use(accessLog(deps.metrics, deps.logger));
  app.use(auditApiDenials(deps.audit));
  app.use(errorResponse());
  app.use(securityHeaders({ hsts: deps.config.issuer.startsWith('https://') }));
  if (deps.config.env === 'production') {
    app.use(httpsOnly((path) => HEALTH_PATHS.has(path.replace(/\/$/, ''))));
  }
  app.use(async (ctx, next) => {
    if (deps.lifecycle.draining) ctx.set('connection', 'close');
    await next();
  });
  const health = healthRoutes(deps);
  app.use(
    scopedRoutes((path) => HEALTH_PATHS.has(path.replace(/\/$/, '')), [
      health.routes(),
      health.allowedMethods(),
    ] as Koa.Middleware<RequestState>[]),
  );
  const apiRouters = [
    adminClientRoutes(deps.identity),
    adminAccountRoutes(deps.identity),
    authzCheckRoutes(deps.identity, deps.authz),
    authzReviewRoutes(deps.identity, deps.authz),
    authzAdminRoutes(deps.identity, deps.authz),
    privacyRoutes(deps.identity, deps.privacy),
    auditRoutes(
      deps.identity,
      deps.audit,
      new AuditReadLimits({
        searchesPerMinute: deps.config.auditSearchesPerClientPerMinute,
        exportsPerMinute: deps.config.auditExportsPerClientPerMinute,
        concurrentExports: deps.config.auditConcurrentExportsPerClient,
      }),
    ),
  ];
  app.use(
    scopedRoutes(
      (path) => path.startsWith('/api/'),
      [
        apiRateLimits(
          {
            requestsPerMinute: deps.config.apiRequestsPerClientPerMinute,
            adminRequestsPerMinute: deps.config.adminRequestsPerClientPerMinute,
          },
          deps.audit,
        ) as Koa.Middleware<RequestState>,
        ...apiRouters.flatMap(
          (router) => [router.routes(), router.allowedMethods()] as Koa.Middleware<RequestState>[],
        ),
      ],
    ),
  );
  extend?.(app, deps);
  app.use(consoleRoutes(deps) as Koa.Middleware<RequestState>);
  app.use(deps.identity.middleware());
  return app;
}
