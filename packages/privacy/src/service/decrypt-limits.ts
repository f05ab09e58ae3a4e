import { invalid } from './api-input.ts';
import {
  currentWindow,
  DAY_MS,
  MINUTE_MS,
  positive,
  refusal,
  type LimitRefusal,
  type Window,
} from './fixed-window.ts';

/** Sign-in levels in order; a person below the floor may not decrypt at all. */
export const ACR_LEVELS = ['low', 'substantial', 'high'] as const;
export type AcrLevel = (typeof ACR_LEVELS)[number];
const ACR_URN = 'urn:onegate:acr:';

export function acrLevel(value: unknown): AcrLevel | undefined {
  if (value === undefined || value === null) return undefined;
  const level = typeof value === 'string' && value.startsWith(ACR_URN) ? value.slice(ACR_URN.length) : value;
  if (!ACR_LEVELS.includes(level as AcrLevel)) {
    throw invalid(`acr must be one of ${ACR_LEVELS.join(', ')} (or its ${ACR_URN} form)`);
  }
  return level as AcrLevel;
}

export function meets(level: AcrLevel | undefined, floor: AcrLevel): boolean {
  return level !== undefined && ACR_LEVELS.indexOf(level) >= ACR_LEVELS.indexOf(floor);
}

export interface DecryptLimitOptions {
  /** Values one person may decrypt per UTC day (default 2,000). */
  perPersonPerDay?: number;
  /** Values one app may decrypt per minute, for everyone it acts for together (default 6,000). */
  perClientPerMinute?: number;
}

/**
 * Business limits on decryption (ASVS 2.3.2, 2.4.1): a person reading far
 * more records than their work needs, or an app draining the store, is
 * stopped with 429 and audited. Counted per process in fixed windows; with
 * several instances behind a balancer each counts its own share.
 */
export class DecryptLimits {
  readonly perPersonPerDay: number;
  readonly perClientPerMinute: number;
  readonly #people = new Map<string, Window>();
  readonly #clients = new Map<string, Window>();
  readonly #clock: () => number;

  constructor(options: DecryptLimitOptions = {}, clock: () => number = Date.now) {
    this.perPersonPerDay = positive(options.perPersonPerDay ?? 2000, 'perPersonPerDay');
    this.perClientPerMinute = positive(options.perClientPerMinute ?? 6000, 'perClientPerMinute');
    this.#clock = clock;
  }

  /**
   * Takes `count` decrypts from both allowances, or none of them: a refusal
   * when either would go over. `person` is absent when the app acts for itself.
   */
  take(clientId: string, person: string | undefined, count: number): LimitRefusal | undefined {
    const now = this.#clock();
    const client = currentWindow(this.#clients, clientId, now, MINUTE_MS);
    // Per app and person: the person is whom the app names, so one app's names cannot use up another's.
    const own =
      person === undefined
        ? undefined
        : currentWindow(this.#people, `${clientId}\u0000${person}`, now, DAY_MS);
    if (client.used + count > this.perClientPerMinute) {
      return refusal(
        client,
        MINUTE_MS,
        now,
        `this app may decrypt at most ${this.perClientPerMinute} values a minute`,
      );
    }
    if (own && own.used + count > this.perPersonPerDay) {
      return refusal(own, DAY_MS, now, `${person} may decrypt at most ${this.perPersonPerDay} values a day`);
    }
    client.used += count;
    if (own) own.used += count;
    return undefined;
  }
}
