/** Assurance levels, lowest first (eIDAS-style low / substantial / high). */
export const ACR = {
  low: 'urn:onegate:acr:low',
  substantial: 'urn:onegate:acr:substantial',
  high: 'urn:onegate:acr:high',
} as const;

export type AcrValue = (typeof ACR)[keyof typeof ACR];

export const ACR_VALUES: readonly AcrValue[] = [ACR.low, ACR.substantial, ACR.high];

/** 0 for unknown or absent, so an unknown session level never satisfies anything. */
export function acrLevel(acr: string | undefined): number {
  return acr === undefined ? 0 : ACR_VALUES.indexOf(acr as AcrValue) + 1;
}

/**
 * The level an authorization request needs: the lowest of the values it
 * accepts (`acr_values`, or `claims.id_token.acr` values/value), or 0.
 */
export function requiredAcrLevel(acrValues: string | undefined, claimsAcr: unknown): number {
  const listed: string[] = acrValues ? acrValues.split(' ') : [];
  if (typeof claimsAcr === 'object' && claimsAcr !== null) {
    const { value, values } = claimsAcr as { value?: unknown; values?: unknown };
    if (typeof value === 'string') listed.push(value);
    if (Array.isArray(values)) listed.push(...values.filter((v): v is string => typeof v === 'string'));
  }
  const known = listed.map(acrLevel).filter((level) => level > 0);
  return known.length === 0 ? 0 : Math.min(...known);
}
