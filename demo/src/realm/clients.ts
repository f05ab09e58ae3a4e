import type { RunningServer } from '@onegate/server';
import { CIVIL_AFFAIRS } from './policy.ts';

/** A registration's id and its secret (shown once by OneGate, kept here in memory for the apps). */
export interface Registration {
  clientId: string;
  clientSecret: string;
}

export interface DemoClients {
  /** Sign-in app of Social Security (citizen-facing). */
  socialSecurity: Registration;
  /** Its back end: masks what the page shows (privacy:encrypt allows mask). */
  socialSecurityBackend: Registration;
  /** Sign-in app of Civil Affairs Records (staff-facing), with the account id as `sub`. */
  civilAffairs: Registration;
  /** Its back end: asks authorization, encrypts and decrypts ID numbers, writes audit events. */
  civilAffairsBackend: Registration;
  /** Reads the audit log for the "recent audit events" panel, as a security officer's tool would. */
  auditViewer: Registration;
}

/**
 * The registrations an operator makes with `onegate client add` (see
 * docs/integration.md), made here through the same service. Both sign-in
 * apps are first-party (no consent screen) and have a back-channel logout
 * endpoint, so that signing out at one ends the session at the other.
 */
export async function registerDemoClients(
  server: RunningServer,
  urls: { socialSecurity: string; civilAffairs: string },
): Promise<DemoClients> {
  const { clients } = server.identity;
  const add = async (input: Parameters<typeof clients.add>[0]): Promise<Registration> => {
    const { client, clientSecret } = await clients.add(input);
    if (clientSecret === undefined) throw new Error(`no secret was made for ${input.name}`);
    return { clientId: client.clientId, clientSecret };
  };
  const signInApp = (name: string, base: string) => ({
    name,
    redirectUris: [`${base}/auth/callback`],
    postLogoutRedirectUris: [`${base}/`],
    backchannelLogoutUri: `${base}/auth/backchannel-logout`,
    scopes: ['openid', 'profile'],
    firstParty: true,
  });
  return {
    socialSecurity: await add({
      ...signInApp('Demo: Social Security', urls.socialSecurity),
      department: 'social-security',
    }),
    socialSecurityBackend: await add({
      name: 'Demo: Social Security backend',
      scopes: ['privacy:encrypt'],
      department: 'social-security',
    }),
    civilAffairs: await add({
      ...signInApp('Demo: Civil Affairs Records', urls.civilAffairs),
      department: CIVIL_AFFAIRS,
      // Staff apps receive the account id, which authorization policies name (docs/authorization.md).
      publicSubject: true,
    }),
    civilAffairsBackend: await add({
      name: 'Demo: Civil Affairs Records backend',
      scopes: ['authz:check', 'audit:write', 'privacy:encrypt', 'privacy:decrypt'],
      department: CIVIL_AFFAIRS,
    }),
    auditViewer: await add({ name: 'Demo: audit log viewer', scopes: ['audit:read'] }),
  };
}
