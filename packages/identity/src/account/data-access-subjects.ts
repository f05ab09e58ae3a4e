import { createHmac, type KeyObject } from 'node:crypto';

/**
 * The ids the audit log may name a citizen by as a data subject: their
 * account id (OneGate itself, apps with a public subject) and, for every
 * registered app, the pairwise `sub` that app knows them by — computed here
 * exactly as the provider computes it (`pairwiseIdentifier` in
 * create-provider.ts). Every app is included, whatever its subject type now:
 * an app switched from pairwise to public still wrote its old events with
 * the pairwise id.
 */
export function dataSubjects(
  accountId: string,
  clientIds: readonly string[],
  pairwiseKey: KeyObject,
): string[] {
  const pairwise = clientIds.map((clientId) => pairwiseSubject(pairwiseKey, clientId, accountId));
  return [...new Set([accountId, ...pairwise])];
}

/** HMAC-SHA256(key, clientId ‖ 0 ‖ accountId), base64url: one app's id for one person, unlinkable across apps. */
export function pairwiseSubject(pairwiseKey: KeyObject, clientId: string, accountId: string): string {
  return createHmac('sha256', pairwiseKey).update(`${clientId}\0${accountId}`).digest('base64url');
}
