import type { RunningServer } from '@onegate/server';

/** The department that owns the demo's resident register (as in policies/departments/civil-affairs.yaml). */
export const CIVIL_AFFAIRS = 'civil-affairs-hangzhou';

/** Where the register's records live, as authorization and privacy name them. */
export const RESIDENTS = `${CIVIL_AFFAIRS}/residents`;

/** The purposes for which a clerk may see an ID number in full. */
export const UNMASK_PURPOSES = ['household-registration', 'subsistence-allowance', 'identity-verification'];

/**
 * What the clerk needs and nothing more, in the policy's own terms
 * (docs/authorization.md): read the register at any sign-in level; decrypt
 * the ID number of a record only for a listed purpose and after a strong
 * sign-in. Loaded whole through OneGate's authorization service, as
 * `onegate policy load` does, so the change is audited (`authz.policy_replace`).
 */
export async function loadDemoPolicy(server: RunningServer, clerkAccountId: string): Promise<void> {
  await server.authz.replace(
    {
      departments: [{ id: CIVIL_AFFAIRS, name: 'Demo: Hangzhou Municipal Bureau of Civil Affairs' }],
      roles: [
        { department: CIVIL_AFFAIRS, name: 'clerk', title: 'Registry clerk', reachDown: false, inherits: [] },
      ],
      assignments: [{ subject: clerkAccountId, department: CIVIL_AFFAIRS, role: 'clerk' }],
      rules: [
        {
          id: 'demo-ca-hz-clerk-read-residents',
          department: CIVIL_AFFAIRS,
          role: 'clerk',
          resources: [`${RESIDENTS}/*`],
          actions: ['read'],
          purposes: ['*'],
          minAcr: 'low',
          effect: 'allow',
          description: 'Demo: clerks see the resident register, ID numbers masked',
        },
        {
          id: 'demo-ca-hz-clerk-unmask-id-number',
          department: CIVIL_AFFAIRS,
          role: 'clerk',
          resources: [`${RESIDENTS}/*/id_number`],
          actions: ['decrypt'],
          purposes: UNMASK_PURPOSES,
          minAcr: 'substantial',
          effect: 'allow',
          description: 'Demo: a clerk sees an ID number in full for a stated purpose, after a strong sign-in',
        },
      ],
      delegations: [],
    },
    'demo',
  );
}
