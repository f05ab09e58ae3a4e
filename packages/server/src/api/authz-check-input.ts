import { AuthzError } from '@onegate/authz';
import type { PlatformCaller } from '@onegate/identity';

const CHECK_FIELDS = new Set(['subject', 'action', 'resource', 'purpose', 'acr']);

export function invalid(message: string): never {
  throw new AuthzError('ERR_AUTHZ_INVALID', message);
}

/**
 * One check as the app sent it: only the fields a check has (a misspelt
 * `purpose` must not pass as "no purpose"). With a person's own token the
 * token decides who asks and how they signed in (ASVS 10.3.2): the subject
 * is that person (naming another is refused) and the `acr` is the token's
 * (a body `acr` is refused, so it cannot claim more). With the app's own
 * token, the app states both, from the person's ID token.
 */
export function checkInput(value: unknown, caller: PlatformCaller, index?: number): unknown {
  const where = index === undefined ? '' : `checks[${index}]: `;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(`${where}a check must be a JSON object`);
  }
  if (Object.keys(value).some((key) => !CHECK_FIELDS.has(key))) {
    invalid(`${where}a check has only the fields subject, action, resource, purpose, acr`);
  }
  const check = value as Record<string, unknown>;
  const person = caller.accountId;
  if (person === undefined) return check;
  if (check['acr'] !== undefined) {
    invalid(`${where}acr comes from the access token when it is a person's own; leave it out`);
  }
  if (check['subject'] !== undefined && check['subject'] !== person) {
    invalid(`${where}a person's own token checks only that person; leave subject out`);
  }
  return { ...check, subject: person, ...(caller.acr === undefined ? {} : { acr: caller.acr }) };
}
