import type { AcrLevel } from './types.ts';

const LEVELS: readonly AcrLevel[] = ['low', 'substantial', 'high'];
const URN_PREFIX = 'urn:onegate:acr:';

/** OneGate's `acr` value for a level, as sent in `acr_values`. */
export function acrUrn(level: AcrLevel): string {
  return `${URN_PREFIX}${level}`;
}

/** The level named by a string (`substantial` or `urn:onegate:acr:substantial`), else undefined. */
export function parseAcrLevel(value: string | undefined): AcrLevel | undefined {
  if (value === undefined) return undefined;
  const name = value.startsWith(URN_PREFIX) ? value.slice(URN_PREFIX.length) : value;
  return LEVELS.find((level) => level === name);
}

/** True when a session's `acr` is at least `level`; an absent or unknown acr satisfies nothing. */
export function acrSatisfies(acr: string | undefined, level: AcrLevel): boolean {
  const have = parseAcrLevel(acr);
  return have !== undefined && LEVELS.indexOf(have) >= LEVELS.indexOf(level);
}
