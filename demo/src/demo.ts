import { randomBytes } from 'node:crypto';
import { startCivilAffairs } from './apps/civil-affairs/app.ts';
import type { RunningApp } from './apps/serve.ts';
import { startSocialSecurity } from './apps/social-security/app.ts';
import { refuseProduction } from './guard.ts';
import { startOneGate } from './onegate.ts';
import { createDemoAccounts, type DemoPerson, type DemoStaff } from './realm/accounts.ts';
import { registerDemoClients, type Registration } from './realm/clients.ts';
import { loadDemoPolicy, RESIDENTS, UNMASK_PURPOSES } from './realm/policy.ts';
import { demoResidents } from './realm/residents.ts';

export interface DemoOptions {
  /** Where OneGate and the two apps listen on localhost; default 8080, 4001 and 4002. */
  ports?: { onegate?: number; socialSecurity?: number; civilAffairs?: number };
  /** No OneGate log lines at all (the demo itself prints nothing either way; `pnpm demo` does). */
  quiet?: boolean;
}

export interface Demo {
  urls: { onegate: string; account: string; socialSecurity: string; civilAffairs: string };
  /** Generated for this run. */
  credentials: { citizen: DemoPerson; staff: DemoStaff };
  /** The audit:read client of the demo's audit panel, for reading the log as an officer would. */
  auditViewer: Registration;
  /** The run's data folder under the OS temp dir, deleted by `stop`. */
  dataDir: string;
  stop(): Promise<void>;
}

export const DEFAULT_PORTS = { onegate: 8080, socialSecurity: 4001, civilAffairs: 4002 };

/**
 * OneGate with a demo realm and two government apps built on `@onegate/sdk`,
 * all in this process: a fresh OneGate on SQLite in a temporary folder, a
 * citizen and a clerk with generated passwords, the clerk's authorization
 * policy, the apps' registrations, then the apps themselves. Refuses to run
 * when ONEGATE_ENV or NODE_ENV is `production`.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  refuseProduction();
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const onegate = await startOneGate(ports.onegate, options.quiet ?? false);
  const apps: RunningApp[] = [];
  const stop = async () => {
    for (const app of apps.reverse()) await app.stop();
    await onegate.stop();
  };
  try {
    const { server, issuer } = onegate;
    const credentials = await createDemoAccounts(server);
    await loadDemoPolicy(server, credentials.staff.accountId);
    const urls = {
      onegate: issuer,
      account: `${issuer}/account`,
      socialSecurity: `http://localhost:${ports.socialSecurity}`,
      civilAffairs: `http://localhost:${ports.civilAffairs}`,
    };
    const clients = await registerDemoClients(server, urls);
    apps.push(
      await startSocialSecurity({
        issuer,
        port: ports.socialSecurity,
        ...clients.socialSecurity,
        backend: clients.socialSecurityBackend,
        cookieSecret: randomBytes(32).toString('base64url'),
      }),
    );
    apps.push(
      await startCivilAffairs({
        issuer,
        port: ports.civilAffairs,
        ...clients.civilAffairs,
        backend: clients.civilAffairsBackend,
        auditViewer: clients.auditViewer,
        cookieSecret: randomBytes(32).toString('base64url'),
        collection: RESIDENTS,
        residents: demoResidents(credentials.citizen.accountId),
        purposes: UNMASK_PURPOSES,
      }),
    );
    return { urls, credentials, auditViewer: clients.auditViewer, dataDir: onegate.dataDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
