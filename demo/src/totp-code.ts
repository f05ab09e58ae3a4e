import { base32Decode, totpAt } from '@onegate/identity';

/** The code an authenticator app shows now: the demo console's stand-in for the staff member's phone. */
export function totpCode(secretBase32: string, timeMs = Date.now()): string {
  return totpAt(base32Decode(secretBase32), timeMs);
}
