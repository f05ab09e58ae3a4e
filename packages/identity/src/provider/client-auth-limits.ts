import { IdentityError } from '../errors.ts';
import { addressBucket } from '../passwords/login-throttle.ts';

export interface ClientAuthLimitOptions {
  /** Failed client authentications one client may have within a window (default 20). */
  failuresPerClient?: number | undefined;
  /** Failed client authentications from one address (IPv4 address, IPv6 /64) within a window, any clients (default 100). */
  failuresPerAddress?: number | undefined;
  /** A window starts at a key's first failure and lasts this long, in seconds (default 300). */
  windowSeconds?: number | undefined;
}

export interface ClientAuthRefusal {
  /** Which allowance is used up: the client's own, or its address's. */
  limit: 'client' | 'address';
  /** Whole seconds, at least 1, until the window ends. */
  retryAfterSeconds: number;
  /** The first refusal of this window: the one to audit. */
  first: boolean;
}

interface Window {
  start: number;
  failures: number;
  reported: boolean;
}

/** Past this many keys in memory, ended windows are swept, then the oldest dropped. */
const MAX_KEYS = 100_000;

/**
 * Counts failed client authentications (ASVS 2.4.1, 6.3.1) per client and
 * per source address. Once a key has had its allowance of failures within a
 * window, every client authentication for it is refused until the window
 * ends, the right credentials too: guessing, or a flood of bad assertions,
 * costs the caller the window. Counted per process in memory; with several
 * instances behind a balancer each counts its own share.
 */
export class ClientAuthLimits {
  readonly failuresPerClient: number;
  readonly failuresPerAddress: number;
  readonly windowSeconds: number;
  readonly #clients = new Map<string, Window>();
  readonly #addresses = new Map<string, Window>();
  readonly #clock: () => number;

  constructor(options: ClientAuthLimitOptions = {}, clock: () => number = Date.now) {
    this.failuresPerClient = positive(options.failuresPerClient ?? 20, 'failuresPerClient');
    this.failuresPerAddress = positive(options.failuresPerAddress ?? 100, 'failuresPerAddress');
    this.windowSeconds = positive(options.windowSeconds ?? 300, 'windowSeconds');
    this.#clock = clock;
  }

  /** Before a client authenticates: a refusal when its client or address has used up its failures. */
  check(clientId: string, address: string): ClientAuthRefusal | undefined {
    const now = this.#clock();
    return (
      this.#refusal(this.#clients, clientId, this.failuresPerClient, 'client', now) ??
      this.#refusal(this.#addresses, addressBucket(address), this.failuresPerAddress, 'address', now)
    );
  }

  /**
   * A client authentication failed. `clientId` is the registered client it
   * claimed to be, if any: unknown ids count only against the address, so
   * made-up ids cannot fill memory.
   */
  recordFailure(clientId: string | undefined, address: string): void {
    const now = this.#clock();
    if (clientId !== undefined) this.#count(this.#clients, clientId, now);
    this.#count(this.#addresses, addressBucket(address), now);
  }

  #refusal(
    map: Map<string, Window>,
    key: string,
    allowed: number,
    limit: ClientAuthRefusal['limit'],
    now: number,
  ): ClientAuthRefusal | undefined {
    const window = this.#live(map, key, now);
    if (!window || window.failures < allowed) return undefined;
    const first = !window.reported;
    window.reported = true;
    const end = window.start + this.windowSeconds * 1000;
    return { limit, retryAfterSeconds: Math.max(1, Math.ceil((end - now) / 1000)), first };
  }

  #count(map: Map<string, Window>, key: string, now: number): void {
    const window = this.#live(map, key, now);
    if (window) {
      window.failures += 1;
      return;
    }
    if (map.size >= MAX_KEYS) this.#sweep(map, now);
    map.set(key, { start: now, failures: 1, reported: false });
  }

  #live(map: Map<string, Window>, key: string, now: number): Window | undefined {
    const window = map.get(key);
    if (window && now >= window.start + this.windowSeconds * 1000) {
      map.delete(key);
      return undefined;
    }
    return window;
  }

  /** Drops ended windows; if that frees nothing, the oldest ones (a Map iterates in insertion order). */
  #sweep(map: Map<string, Window>, now: number): void {
    for (const [key, window] of map) {
      if (now >= window.start + this.windowSeconds * 1000) map.delete(key);
    }
    for (const key of map.keys()) {
      if (map.size < MAX_KEYS) break;
      map.delete(key);
    }
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new IdentityError(
      'ERR_CONFIG_INVALID',
      `client authentication ${name} must be a whole number of at least 1`,
    );
  }
  return value;
}
