import type { Delegation } from '@onegate/authz';

/** An approved delegation ending within this long shows a warning: time to renew it or let it go. */
export const EXPIRY_WARNING_MS = 14 * 86_400_000;

/** What an officer needs to know about a delegation now, beyond its stored status. */
export type DelegationState = 'pending' | 'scheduled' | 'active' | 'expiring' | 'expired' | 'revoked';

export function delegationState(d: Delegation, now: number): DelegationState {
  if (d.status === 'revoked') return 'revoked';
  if (d.expiresAt <= now) return 'expired';
  if (d.status === 'pending') return 'pending';
  if (now < d.notBefore) return 'scheduled';
  return d.expiresAt - now <= EXPIRY_WARNING_MS ? 'expiring' : 'active';
}

/** Whole days left, rounded up (a delegation ending in 3 hours has 1 day left). */
export function daysLeft(d: Delegation, now: number): number {
  return Math.max(0, Math.ceil((d.expiresAt - now) / 86_400_000));
}

/** Who may act on a delegation in the console: administrators of the department whose data it shares. */
export function ownsDelegation(officer: { departmentAdminOf: readonly string[] }, d: Delegation): boolean {
  return officer.departmentAdminOf.includes(d.fromDepartment);
}
