import type { AppDeps } from '../app.ts';

/** What the console's sections are built from: the running services, nothing of the HTTP pipeline. */
export type ConsoleDeps = Pick<AppDeps, 'config' | 'store' | 'identity' | 'audit' | 'authz' | 'privacy'>;
